"""Servers someone else runs: fle-testkit only connects to them.

Useful against a cluster started by hand (``fle cluster start``). There is no
process to start, save into a local directory or stop, so those calls raise
UnsupportedOperation with what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError, UnsupportedOperation
from .base import Capabilities, LaunchSpec, LogBuffer


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        host, sep, port = text.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or "," in host:
            raise ConfigurationError(
                f"external endpoint {text!r} is not HOST:PORT (e.g. 127.0.0.1:27000); "
                "set --factorio-external (ini factorio_external, env FLE_TESTKIT_EXTERNAL)"
            )
        return cls(host, int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class ExternalServer:
    """A running server we did not start: no log, no process."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.rcon_host = endpoint.host
        self.rcon_port = endpoint.port
        self.log = LogBuffer()
        self.log.close()  # nothing will ever arrive

    def is_alive(self) -> bool:
        return True

    def exit_code(self) -> int | None:
        return None

    def terminate(self) -> None:
        raise UnsupportedOperation(
            f"cannot stop the external server at {self.describe()}: stop it where it was started"
        )

    kill = terminate

    def wait(self, timeout: float) -> int | None:
        return None

    def describe(self) -> str:
        return f"external {self.rcon_host}:{self.rcon_port}"


class ExternalBackend:
    name = "external"
    # No process to start or stop and no log to read: only RCON.
    capabilities = Capabilities(owns_process=False, has_log=False)

    def __init__(self, endpoints: list[Endpoint]) -> None:
        if not endpoints:
            raise ConfigurationError(
                "external backend: no endpoints given; set --factorio-external HOST:PORT[,HOST:PORT...] "
                "(ini factorio_external, env FLE_TESTKIT_EXTERNAL)"
            )
        self.endpoints = endpoints

    def describe(self) -> str:
        return f"external ({', '.join(map(str, self.endpoints))})"

    def endpoint_for(self, index: int) -> Endpoint:
        if index >= len(self.endpoints):
            raise ConfigurationError(
                f"external backend: server {index} asked for, but only {len(self.endpoints)} endpoints "
                f"were given ({', '.join(map(str, self.endpoints))}); give one per worker"
            )
        return self.endpoints[index]

    def for_server(self, index: int) -> ExternalBackend:
        """The backend of server ``index`` (worker gwN gets endpoint N)."""
        return ExternalBackend([self.endpoint_for(index)])

    def launch(self, spec: LaunchSpec) -> ExternalServer:
        if spec.mode != "latest":
            raise UnsupportedOperation(
                f"cannot {'bootstrap from a scenario' if spec.mode == 'scenario' else 'load a named save'} on an "
                "external server: it runs whatever it was started with; use the embedded, binary or docker backend"
            )
        return ExternalServer(self.endpoints[0])
