"""The server log: elapsed-seconds prefix, banner, console lines, log files.

Time is injected (a fake monotonic clock), so prefixes are exact.
"""

from __future__ import annotations

import io
import re
import types
from pathlib import Path

import pytest

from fle_testkit.emulator import messages, serverlog
from fle_testkit.emulator.serverlog import RepeatFilter, ServerLog

BANNER = re.compile(r"^   0\.000 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d; Factorio 2\.0\.73 \(build \d+, linux64, headless\)$")
DATED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(serverlog, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    return fake


def make_log(tmp_path: Path, **kwargs: object) -> tuple[ServerLog, io.StringIO]:
    stream = io.StringIO()
    return ServerLog(stream=stream, **kwargs), stream


class TestPrefix:
    @pytest.mark.parametrize(
        "elapsed, prefix",
        [
            (0.0, "   0.000 "),
            (0.5784, "   0.578 "),
            (7.0, "   7.000 "),
            (123.4567, " 123.457 "),
            (9999.9994, "9999.999 "),
        ],
    )
    def test_elapsed_seconds_right_aligned_to_8_with_3_decimals(
        self, tmp_path: Path, fake_time: FakeTime, elapsed: float, prefix: str
    ) -> None:
        log, stream = make_log(tmp_path)
        fake_time.now += elapsed
        log.line("Hello")
        assert stream.getvalue() == f"{prefix}Hello\n"

    def test_elapsed_counts_from_construction(self, tmp_path: Path, fake_time: FakeTime) -> None:
        log, stream = make_log(tmp_path)
        fake_time.now += 1.25
        log.line("a")
        fake_time.now += 1.0
        log.line("b")
        assert stream.getvalue().splitlines() == ["   1.250 a", "   2.250 b"]

    def test_banner_is_the_first_line_with_a_zero_prefix(self, tmp_path: Path, fake_time: FakeTime) -> None:
        log, stream = make_log(tmp_path)
        log.banner()
        assert BANNER.match(stream.getvalue().rstrip("\n"))

    def test_elapsed_time_counts_from_the_banner(self, tmp_path: Path, fake_time: FakeTime) -> None:
        log, stream = make_log(tmp_path)
        fake_time.now += 3.0  # the process took a while to reach its first line
        log.banner()
        fake_time.now += 1.0
        log.line("next")
        first, second = stream.getvalue().splitlines()
        assert BANNER.match(first)
        assert second == "   1.000 next"


class TestFiles:
    def test_log_file_gets_the_same_lines(self, tmp_path: Path, fake_time: FakeTime) -> None:
        current = tmp_path / "factorio-current.log"
        log, stream = make_log(tmp_path, log_file=current)
        log.banner()
        log.line("one")
        log.console(messages.CHAT_LINE, "hi")
        log.close()
        assert current.read_text() == stream.getvalue()
        assert len(stream.getvalue().splitlines()) == 3

    def test_lines_are_flushed_at_once(self, tmp_path: Path, fake_time: FakeTime) -> None:
        current = tmp_path / "factorio-current.log"
        log, _ = make_log(tmp_path, log_file=current)
        log.line("visible before close")
        assert current.read_text() == "   0.000 visible before close\n"
        log.close()

    def test_previous_log_is_kept_as_factorio_previous(self, tmp_path: Path, fake_time: FakeTime) -> None:
        current = tmp_path / "factorio-current.log"
        current.write_text("the run before\n")
        (tmp_path / "factorio-previous.log").write_text("two runs before\n")
        log, _ = make_log(tmp_path, log_file=current)
        log.line("this run")
        log.close()
        assert (tmp_path / "factorio-previous.log").read_text() == "the run before\n"
        assert current.read_text() == "   0.000 this run\n"

    def test_console_lines_are_dated_and_go_to_console_log(self, tmp_path: Path, fake_time: FakeTime) -> None:
        console = tmp_path / "console.log"
        log, stream = make_log(tmp_path, console_log=console)
        log.line("not a console line")
        log.console(messages.CHAT_LINE, "hello")
        log.close()
        chat = stream.getvalue().splitlines()[1]
        assert DATED.match(chat) and chat.endswith(" [CHAT] <server>: hello")
        assert console.read_text() == chat + "\n"

    def test_console_log_is_appended_to(self, tmp_path: Path, fake_time: FakeTime) -> None:
        console = tmp_path / "console.log"
        console.write_text("earlier\n")
        log, _ = make_log(tmp_path, console_log=console)
        log.console(messages.CHAT_LINE, "later")
        log.close()
        assert console.read_text().splitlines()[0] == "earlier"
        assert console.read_text().splitlines()[1].endswith("<server>: later")

    def test_close_twice_is_harmless(self, tmp_path: Path, fake_time: FakeTime) -> None:
        log, _ = make_log(tmp_path, log_file=tmp_path / "f.log", console_log=tmp_path / "c.log")
        log.close()
        log.close()  # must not raise


class TestRepeatFilter:
    def test_a_repeated_error_is_written_once_then_counted(self) -> None:
        lines: list[str] = []
        repeats = RepeatFilter(lines.append, every=1000)
        for _ in range(5):
            repeats.report("a", "error a")
        repeats.report("b", "error b")
        repeats.flush()
        assert lines == ["error a", messages.EVENT_ERROR_REPEATED.format(count=4), "error b"]

    def test_an_endless_repeat_writes_its_count_every_n(self) -> None:
        lines: list[str] = []
        repeats = RepeatFilter(lines.append, every=10)
        for _ in range(21):
            repeats.report("a", "error a")
        assert lines == ["error a"] + [messages.EVENT_ERROR_REPEATED.format(count=10)] * 2
