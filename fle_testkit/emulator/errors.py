class EmulatorError(Exception):
    """Base of every error the emulator raises."""
