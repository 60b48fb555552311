-- fle-testkit's lab: a new game with nothing added, for the harness to build on.
-- Factorio 2.0 API only; it runs unchanged on real Factorio and on the emulator.
-- On the emulator the game starts on the "fle-lab" map that emulator-map.json names
-- (fle_testkit/emulator/maps/fle_lab.toml); real Factorio ignores that file.
--
-- One agent character at spawn, kept where FLE keeps its agents
-- (storage.agent_characters[1], at {0, 0}, force "player", as FLE's
-- create_agent_characters makes them): the character whose inventory the
-- harness's reset sets (factorio(inventory=...)).
script.on_init(function()
  storage.fle_testkit = {created_tick = game.tick}
  storage.agent_characters = {
    game.surfaces[1].create_entity{name = "character", position = {x = 0, y = 0}, force = game.forces.player},
  }
end)
