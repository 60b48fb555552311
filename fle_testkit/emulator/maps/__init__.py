"""The emulator's maps: one data file each (``<name with _>.toml``), read by :mod:`..model.mapgen`."""
