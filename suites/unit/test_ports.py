"""Port reservations: unique across processes, sentinels cleaned up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fle_testkit.backends.ports import reserve_port, sentinel_dir


@pytest.fixture(autouse=True)
def private_sentinels(tmp_path, monkeypatch):
    monkeypatch.setenv("FLE_TESTKIT_PORTS_DIR", str(tmp_path / "ports"))


def test_a_released_port_leaves_no_sentinel_file() -> None:
    reservation = reserve_port("tcp")
    assert (sentinel_dir() / f"tcp-{reservation.port}.lock").exists()
    reservation.release()
    assert list(sentinel_dir().iterdir()) == []
    reservation.release()  # twice is harmless


def test_a_port_held_by_another_process_is_never_handed_out(monkeypatch) -> None:
    held = reserve_port("udp", host="0.0.0.0")
    # Make the OS propose the held port first, then a free one.
    proposals = iter([held.port, held.port + 1 if held.port < 65535 else held.port - 1])
    monkeypatch.setattr("fle_testkit.backends.ports._free_port", lambda kind, host: next(proposals))
    other = reserve_port("udp", host="0.0.0.0")
    assert other.port != held.port
    held.release()
    other.release()


def test_a_port_held_in_another_process_is_skipped(tmp_path) -> None:
    script = (
        "import sys, time\n"
        "from fle_testkit.backends.ports import reserve_port\n"
        "r = reserve_port('tcp'); print(r.port, flush=True); time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        from fle_testkit.backends import ports

        original = ports._free_port
        proposals = iter([port])
        ports._free_port = lambda kind, host: next(proposals, None) or original(kind, host)
        try:
            mine = reserve_port("tcp")
        finally:
            ports._free_port = original
        assert mine.port != port
        mine.release()
    finally:
        child.kill()
        child.wait()
