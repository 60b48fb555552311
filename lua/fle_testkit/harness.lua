-- fle-testkit harness: the table a generated control.lua puts in the global
-- `fle_testkit`, so that a console command can reach the modules:
--
--   /sc rcon.print(fle_testkit.snapshot.json())
--   /sc rcon.print(fle_testkit.checksum.compute())
--   /sc fle_testkit.reset.run{inventory = {["iron-plate"] = 10}}
--
-- The modules register no event handlers and keep nothing in `storage`:
-- control.lua runs again on every load, so the global is back after a restart
-- without uploading anything.

return {
  snapshot = require("fle_testkit.snapshot"),
  checksum = require("fle_testkit.checksum"),
  reset = require("fle_testkit.reset"),
}
