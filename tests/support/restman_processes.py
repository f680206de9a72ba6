"""RestMan in real processes: ``restman serve``, ``restman worker ...`` and CLI commands,
started the way a user starts them.

Each process is a :class:`tests.support.processes.Child`: a process group of its own (stopping
it ends uvicorn's worker processes too) with its output in a log file under ``log_dir``. Use
:func:`restman_processes` as a context manager: whatever happens in the test, every process it
started is stopped (SIGTERM, then SIGKILL of the group after a grace period) when the block ends.
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

from tests.support.processes import RUN_MARKER, Child, log_tail
from tests.support.services import SERVED_CLIENT_LIMITS, wait_for

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
            RUN_MARKER: os.environ.get(RUN_MARKER, ""),
        }
    )
    env.update(extra)
    return env


@dataclass
class RestmanProcesses:
    """The processes of one test; ``log_dir`` holds one log file per process."""

    log_dir: Path
    started: dict[str, Child] = field(default_factory=dict)

    def start(self, args: list[str], env: Mapping[str, str], name: str) -> Child:
        """``restman <args>`` in the background, logging to ``<log_dir>/<name>.log``."""
        child = Child([RESTMAN, *args], log=self.log_dir / f"{name}.log", env=env)
        self.started[name] = child
        return child.start()

    def log(self, name: str) -> str:
        """The end of process ``name``'s output."""
        child = self.started.get(name)
        return log_tail(child.output()) if child is not None else ""

    async def serve(
        self, env: Mapping[str, str], port: int, *, workers: int = 1, timeout: float = 90
    ) -> Child:
        """``restman serve`` on ``port``, returned once ``/ready`` answers 200."""
        name = f"serve-{port}"
        child = self.start(["serve", "--port", str(port), "--workers", str(workers)], env, name)
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS, base_url=f"http://127.0.0.1:{port}", timeout=5
        ) as client:

            async def ready() -> int | str:
                assert child.running(), f"restman serve exited: {self.log(name)}"
                try:
                    return (await client.get("/ready")).status_code
                except httpx.TransportError as exc:
                    return repr(exc)

            await wait_for(
                ready, until=lambda s: s == 200, what="/ready to answer 200", timeout=timeout
            )
        return child

    def stop_all(self) -> None:
        for child in reversed(self.started.values()):
            child.stop()


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
