"""RestMan in real processes: ``restman serve``, ``restman worker ...`` and CLI commands,
started the way a user starts them.

Every process is started in a session of its own (``start_new_session=True``) so that stopping
it ends its whole process group, uvicorn's worker processes included; its output goes to a log
file under the data directory (a pipe nobody reads would fill up and block it). Use
:func:`restman_processes` as a context manager: whatever happens in the test, every process it
started is stopped (SIGTERM, then SIGKILL after a grace period) when the block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.services import wait_for

RESTMAN = str(Path(sys.executable).parent / "restman")


def embedded_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a RestMan process on ``data_dir`` with loose sign-in limits (every
    sign-in of a test comes from one address); ``extra`` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTMAN_", "DATABASE_"))}
    for name in ("REDIS_URL", "KAFKA_BROKERS", "CLICKHOUSE_URL", "SMTP_HOST"):
        env.pop(name, None)
    env.update(
        {
            "RESTMAN_DATA_DIR": str(data_dir),
            "RESTMAN_OTP_RESEND_SECONDS": "0",
            "RESTMAN_AUTH_RATE_LIMIT_PER_ADDRESS": "100000",
            "RESTMAN_AUTH_RATE_LIMIT_PER_EMAIL": "1000",
            "RESTMAN_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


@dataclass
class RestmanProcesses:
    """The processes of one test; ``log_dir`` holds one log file per process."""

    log_dir: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, args: list[str], env: Mapping[str, str], name: str) -> subprocess.Popen[bytes]:
        """``restman <args>`` in the background."""
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [RESTMAN, *args],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    async def serve(
        self, env: Mapping[str, str], port: int, *, workers: int = 1, timeout: float = 60
    ) -> subprocess.Popen[bytes]:
        """``restman serve`` on ``port``, returned once ``/ready`` answers 200."""
        name = f"serve-{port}"
        args = ["serve", "--port", str(port), "--workers", str(workers)]
        process = self.start(args, env, name)
        status: list[object] = [None]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def ready() -> bool:
                assert process.poll() is None, f"restman serve exited: {self.log(name)}"
                try:
                    status[0] = (await client.get("/ready")).status_code
                except httpx.TransportError as exc:
                    status[0] = repr(exc)
                return status[0] == 200

            await wait_for(
                ready, timeout=timeout, interval=0.2, what="/ready", last=lambda: status[0]
            )
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            _stop(process)


def _stop(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # The group may outlive its leader (uvicorn's workers): end whatever is left of it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(10)


@contextlib.contextmanager
def restman_processes(log_dir: Path) -> Iterator[RestmanProcesses]:
    """Processes started through the yielded object are all stopped when the block ends."""
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = RestmanProcesses(log_dir)
    try:
        yield processes
    finally:
        processes.stop_all()


async def run_cli(
    args: list[str], env: Mapping[str, str], *, timeout: float = 120
) -> tuple[int, str, str]:
    """``restman <args>`` to completion: (exit code, stdout, stderr). A command still running
    after ``timeout`` seconds is killed with its group and fails the test."""
    process = await asyncio.create_subprocess_exec(
        RESTMAN,
        *args,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
