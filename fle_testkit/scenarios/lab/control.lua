-- fle-testkit's lab: a new game with nothing added, for the harness to build on.
-- Factorio 2.0 API only; it runs unchanged on real Factorio and on the emulator.
-- On the emulator the game starts on the "fle-lab" map that emulator-map.json names
-- (fle_testkit/emulator/maps/fle_lab.toml); real Factorio ignores that file.
script.on_init(function()
  storage.fle_testkit = {created_tick = game.tick}
end)
