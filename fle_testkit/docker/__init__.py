"""Docker: the engine, the stand-in image, and the cluster command."""
