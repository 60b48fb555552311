"""The Lua 5.2 side of the emulator: serpent, and codecs for `storage` and `helpers` JSON."""
