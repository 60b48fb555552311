"""How a server process exists: embedded, binary, external here; docker in .docker (needs the extra)."""

from .base import DEFAULT_SERVER_SETTINGS, Backend, Capabilities, LaunchSpec, LogBuffer, ServerProcess
from .external import Endpoint, ExternalBackend
from .local import BinaryBackend, EmbeddedBackend

__all__ = [
    "DEFAULT_SERVER_SETTINGS",
    "Backend",
    "BinaryBackend",
    "Capabilities",
    "EmbeddedBackend",
    "Endpoint",
    "ExternalBackend",
    "LaunchSpec",
    "LogBuffer",
    "ServerProcess",
]
