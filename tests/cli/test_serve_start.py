"""``restman serve`` starts honestly: a taken address or a configuration that cannot work is
refused in one line on stderr with its own exit code, before the banner, before migrations,
leaving no data behind. Real processes, real sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_cli.errors import EXIT_ADDRESS_IN_USE, EXIT_CONFIGURATION
from tests.cli.conftest import BACKEND_VARIABLES
from tests.support.processes import Child
from tests.support.services import free_port, port_open, wait_for_sync

RESTMAN = str(Path(sys.executable).parent / "restman")
BANNER = "RestMan API on"


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in BACKEND_VARIABLES}
    env.pop("RESTMAN_SECRET_KEY", None)
    env.pop("RESTMAN_SERVER", None)
    return {**env, "RESTMAN_DATA_DIR": str(data_dir), "RESTMAN_LOG_LEVEL": "WARNING", **extra}


def _stop(process: subprocess.Popen[str]) -> None:
    """End the server and everything it started (its workers), whatever happened."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _serve(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = subprocess.Popen(
        [RESTMAN, "serve", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        _stop(process)
    return process.returncode, out, err


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program is listening on for the whole test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@pytest.mark.parametrize(
    ("server", "workers"), [("uvicorn", "1"), ("uvicorn", "2"), ("granian", "1")]
)
def test_a_taken_port_is_one_line_and_its_own_exit_code_before_anything_else(
    tmp_path: Path, taken_port: int, server: str, workers: str
) -> None:
    data = tmp_path / "data"
    env = _environment(data, RESTMAN_SERVER=server)
    code, out, err = _serve(tmp_path, env, "--port", str(taken_port), "--workers", workers)
    assert code == EXIT_ADDRESS_IN_USE, err
    assert err.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{taken_port}: address already in use "
        "(is another server running on it?)"
    ]
    assert BANNER not in err + out
    assert out == ""
    # Refused before any migration: no database file, no data directory at all.
    assert not data.exists(), sorted(p.name for p in data.rglob("*"))


def test_distributed_mode_without_a_secret_key_is_refused_before_the_banner(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    env = _environment(data, REDIS_URL="redis://127.0.0.1:6379/0")
    code, out, err = _serve(tmp_path, env, "--port", str(free_port()))
    assert code == EXIT_CONFIGURATION, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: RESTMAN_SECRET_KEY is not set: REDIS_URL is set")
    assert BANNER not in err + out
    assert not data.exists()


def test_a_free_port_still_starts_the_server(tmp_path: Path) -> None:
    """The check releases the address it bound, so the server itself can listen on it."""
    port = free_port()
    server = Child(
        [RESTMAN, "serve", "--port", str(port)],
        log=tmp_path / "serve.log",
        env=_environment(tmp_path / "data"),
        cwd=tmp_path,
    )
    with server:

        def state() -> str:
            return (
                "listening"
                if port_open("127.0.0.1", port)
                else ("starting" if server.running() else "exited")
            )

        seen = wait_for_sync(
            state, until=lambda s: s != "starting", what=f"the server on port {port}", timeout=90
        )
        assert seen == "listening", server.output()
    assert BANNER in server.output()
    assert (tmp_path / "data" / "restman.db").exists()
