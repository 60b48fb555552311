"""FactorioServer: one server's life, through Factorio's native save flow.

Bootstrap once from a scenario (start with ``--start-server-load-scenario``,
``/save`` the pristine save into the server's save directory, stop); from then
on every start loads the latest save. The save directory is the server's
identity; the backend only decides how the process exists.

Ready means both: the log said ``Starting RCON interface`` (when the backend
has a log) and an authenticated command was answered. A server that dies
while starting raises ServerError with its last log lines.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from .backends.base import DEFAULT_SERVER_SETTINGS, Backend, LaunchSpec, Mode, ServerProcess, describe_exit
from .client import FactorioClient
from .errors import RconAuthError, RconError, ServerError, ServerStartTimeout, TestkitError, UnsupportedOperation
from .readiness import (
    AllOf,
    Deadline,
    FileSettled,
    LogLine,
    RconAnswers,
    WaitCondition,
    WaitFailed,
    WaitTimeout,
    heartbeat,
)
from .savedir import SaveDir
from .timings import Timings

RCON_READY = re.compile(r"Starting RCON interface at IP ADDR")
SAVING_FINISHED = re.compile(r"Saving finished")
# A save that failed after its reply was sent (a server that writes saves in the
# background, as the embedded one does) says so in the log instead.
SAVE_ENDED = re.compile(r"Saving finished|Error while saving")
PRISTINE = "pristine"
LOG_TAIL = 30


class FactorioServer:
    """One server bound to one save directory.

    Configuration is frozen at construction; lifecycle calls are ``bootstrap``,
    ``start``, ``restart``, ``stop``, ``kill`` and ``save``. Timings of every
    phase are in ``timings``.
    """

    def __init__(
        self,
        backend: Backend,
        save_dir: SaveDir,
        *,
        run_dir: Path | None = None,
        password: str | None = None,
        server_settings: dict[str, Any] | None = None,
        seed: int | None = None,
        label: str = "server",
        ready_timeout: float = 60.0,
        stop_timeout: float = 30.0,
        command_timeout: float = 60.0,
        progress: Callable[[str], None] | None = None,
        progress_interval: float = 5.0,
    ) -> None:
        self.backend = backend
        self.save_dir = save_dir
        self.saves_path = save_dir.path
        # One run directory per save directory: two save roots side by side
        # ("saves-a/0", "saves-b/0") must not share one.
        self.run_dir = (
            Path(run_dir)
            if run_dir is not None
            else self.saves_path.parent.parent / "run" / f"{self.saves_path.parent.name}-{self.saves_path.name}"
        )
        self.password = password or secrets.token_hex(12)
        self.server_settings = {**DEFAULT_SERVER_SETTINGS, **(server_settings or {})}
        self.seed = seed
        self.label = label
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.command_timeout = command_timeout
        self.progress = progress  # told every progress_interval seconds while a start waits
        self.progress_interval = progress_interval
        self.timings = Timings(label=label)
        self.process: ServerProcess | None = None
        self._client: FactorioClient | None = None
        self._last_log: list[str] = []  # the log of the last process, kept after it stopped

    def __repr__(self) -> str:
        state = self.process.describe() if self.process else "stopped"
        return f"<FactorioServer {self.label} {self.backend.name} saves={str(self.saves_path)!r} {state}>"

    # --- lifecycle --------------------------------------------------------
    def bootstrap(self, scenario: Any, save_name: str = PRISTINE) -> Path:
        """Scenario → ``/save save_name`` → stop: writes the pristine save."""
        scenario_dir = Path(getattr(scenario, "path", scenario))
        with self.timings.measure("bootstrap"):
            self._launch("scenario", scenario_dir.name, scenario_dir)
            path = self.save(save_name)
            self.stop()
        return path

    def start(self, save_name: str | None = None) -> None:
        """Start from the latest save (or from ``save_name``) and wait until ready."""
        if save_name is None and self.backend.capabilities.owns_process and not self._has_saves():
            raise ServerError(
                f"{self.label}: no save in {self.saves_path} to start from; bootstrap it from a scenario first "
                "(FactorioServer.bootstrap)"
            )
        with self.timings.measure("start", save_name or "latest"):
            self._launch("named" if save_name else "latest", save_name, None)

    def restart(self) -> None:
        """Stop (saving over the loaded file, as SIGTERM does) and start from the latest save."""
        with self.timings.measure("restart"):
            self.stop()
            self.start()

    def stop(self, timeout: float | None = None) -> int | None:
        """Graceful stop (SIGTERM: Factorio saves over the file it loaded), then kill after ``timeout``."""
        if self.process is None:
            return None
        process = self.process
        self._drop_client()
        with self.timings.measure("stop"):
            process.terminate()
            code = process.wait(self.stop_timeout if timeout is None else timeout)
            if code is None:
                process.kill()
                code = process.wait(10.0)
        self._last_log = process.log.lines()
        self.process = None
        return code

    def kill(self) -> None:
        """SIGKILL: nothing is saved (for crash tests)."""
        if self.process is not None:
            self._drop_client()
            self.process.kill()
            self.process.wait(10.0)
            self._last_log = self.process.log.lines()
            self.process = None

    def recover(self) -> list[Path]:
        """Back to a running server after a hang or a crash; timed as ``recover``.

        Kills what is left of the process (its state is not worth saving),
        sets aside damaged saves from the newest down (renamed out of
        ``*.zip``, kept), and starts from the newest save that validates.
        Returns the saves set aside.
        """
        with self.timings.measure("recover"):
            self.kill()
            set_aside = self.save_dir.set_aside_damaged()
            self.start()
        return set_aside

    def exit_status(self) -> str | None:
        """How the server process ended ("exited with signal 9 (SIGKILL)"), or None while it runs or was never started."""
        process = self.process
        if process is None or process.is_alive():
            return None
        code = process.exit_code()
        return None if code is None else describe_exit(code)

    def detach(self) -> None:
        """Forget the running process without stopping it.

        For servers that outlive the program that started them (a cluster's):
        the process runs on; this object no longer drives it.
        """
        if self.process is not None:
            self._drop_client()
            self._last_log = self.process.log.lines()
            self.process = None

    def save(self, name: str) -> Path:
        """``/save name`` and wait until the file is complete on disk."""
        process = self._running()
        target = self.saves_path / f"{name}.zip"
        before = target.stat().st_mtime_ns if target.exists() else -1
        mark = process.log.position
        with self.timings.measure("save"):
            reply = self.client.send(f"/save {name}")
            if reply:
                raise ServerError(f"{self.label}: /save {name} failed: {reply}", log_tail=process.log.tail(LOG_TAIL))
            self._wait_saved(process, target, before, mark)
        return target

    # --- state ------------------------------------------------------------
    def is_alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def logs(self, n: int | None = None) -> list[str]:
        """The server's log lines (the last ``n``), also once it has stopped."""
        lines = list(self._last_log) if self.process is None else self.process.log.lines()
        return lines if n is None else lines[-n:] if n > 0 else []

    @property
    def client(self) -> FactorioClient:
        """A connected client to the running server."""
        process = self._running()
        if self._client is None:
            client = FactorioClient(
                process.rcon_host, process.rcon_port, self.password, command_timeout=self.command_timeout
            )
            client.connect()
            self._client = client
        return self._client

    def current_client(self) -> FactorioClient | None:
        """The client ``client`` handed out, if it did (never connects one)."""
        return self._client

    @property
    def endpoint(self) -> str:
        process = self._running()
        return f"{process.rcon_host}:{process.rcon_port}"

    # --- internals --------------------------------------------------------
    def _running(self) -> ServerProcess:
        if self.process is None:
            raise ServerError(f"{self.label}: not running; start() it first")
        return self.process

    def _has_saves(self) -> bool:
        return self.save_dir.latest() is not None

    def _launch(self, mode: Mode, target: str | None, scenario_dir: Path | None) -> None:
        if self.process is not None:
            raise ServerError(f"{self.label}: already running ({self.process.describe()}); stop() it first")
        self.saves_path.mkdir(parents=True, exist_ok=True)
        spec = LaunchSpec(
            mode=mode,
            target=target,
            run_dir=self.run_dir,
            save_dir=self.saves_path,
            password=self.password,
            scenario_dir=scenario_dir,
            server_settings=self.server_settings,
            seed=self.seed,
            label=self.label,
        )
        with self.timings.measure("spawn", mode):
            process = self.backend.launch(spec)
        self.process = process
        with self.timings.measure("ready", mode):
            try:
                self._wait_ready(process)
            except BaseException:
                self._last_log = process.log.lines()
                self._abandon(process)
                raise

    def _wait_ready(self, process: ServerProcess) -> None:
        conditions: list[WaitCondition] = []
        if self.backend.capabilities.has_log:
            conditions.append(LogLine(process.log, RCON_READY))
        answers = RconAnswers(
            lambda timeout: FactorioClient(
                process.rcon_host,
                process.rcon_port,
                self.password,
                connect_timeout=timeout,
                command_timeout=self.command_timeout,
            ).connect(),
            retry_on=(RconError,),
            give_up_on=(RconAuthError,),  # waiting cannot fix a wrong password
            alive=process.is_alive,
        )
        conditions.append(answers)
        waiting = AllOf(conditions)
        try:
            with heartbeat(self._waiting_reporter(process, waiting.describe()), self.progress_interval):
                waiting.wait(Deadline(self.ready_timeout))
        except (WaitTimeout, WaitFailed) as error:
            raise self._start_failure(process, error.what) from error
        self._client = cast(FactorioClient, answers.client)

    def _waiting_reporter(self, process: ServerProcess, what: str) -> Callable[[float], None] | None:
        progress = self.progress
        if progress is None:
            return None

        def report(elapsed: float) -> None:
            lines = process.log.lines()
            last = f"; last log line: {lines[-1].strip()!r}" if lines else ""
            progress(
                f"{self.label}: still waiting for {what} at {process.rcon_host}:{process.rcon_port} "
                f"({elapsed:.0f} s of {self.ready_timeout:.0f} s){last}"
            )

        return report

    def _start_failure(self, process: ServerProcess, what: str) -> ServerError:
        # The log closes when the process exits, a moment before it can be reaped.
        code = process.exit_code()
        if code is None:
            code = process.wait(2.0)
        if code is not None:
            return ServerError(
                f"{self.label} ({self.backend.name}, {process.describe()}) {describe_exit(code)} while starting: {what}",
                log_tail=process.log.tail(LOG_TAIL),
            )
        return ServerStartTimeout(
            f"{self.label} ({self.backend.name}, {process.describe()}) not ready after {self.ready_timeout:.0f} s: "
            f"{what}; raise ready_timeout if the machine is slow",
            log_tail=process.log.tail(LOG_TAIL),
        )

    def _wait_saved(self, process: ServerProcess, target: Path, before: int, mark: int) -> None:
        """Done when the log says so (where there is one) and the zip is rewritten with no temp file left."""
        deadline = Deadline(self.command_timeout)
        settled = FileSettled(target, before, target.with_name(target.name[: -len(".zip")] + ".tmp.zip"))
        try:
            if self.backend.capabilities.has_log:
                ended = LogLine(process.log, SAVE_ENDED, since=mark)
                ended.wait(deadline)
                if ended.line is not None and not SAVING_FINISHED.search(ended.line):
                    raise WaitFailed(ended.line.strip())
            settled.wait(deadline)
        except (WaitTimeout, WaitFailed) as error:
            raise ServerError(
                f"{self.label}: {target.name} not saved: {error.what}", log_tail=process.log.tail(LOG_TAIL)
            ) from error

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _abandon(self, process: ServerProcess) -> None:
        self._drop_client()
        try:
            process.kill()
            process.wait(10.0)
        except TestkitError:
            pass  # external servers are not ours to kill
        self.process = None

    def __enter__(self) -> FactorioServer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        except UnsupportedOperation:
            self.process = None
