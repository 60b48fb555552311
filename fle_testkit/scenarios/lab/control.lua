-- fle-testkit's lab: a new game with nothing added, for the harness to build on.
-- Factorio 2.0 API only; it runs unchanged on real Factorio and on the emulator.
script.on_init(function()
  storage.fle_testkit = {created_tick = game.tick}
end)
