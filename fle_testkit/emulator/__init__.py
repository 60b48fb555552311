"""A Factorio 2.0-compatible headless server, for machines without Factorio.

Run it as ``python -m fle_testkit.emulator`` (or ``fle-testkit-emulator``) with
the flags of ``bin/x64/factorio``. Real, unmodified RCON clients talk to it.
This subpackage imports nothing from the rest of fle_testkit.
"""
