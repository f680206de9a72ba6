"""Child processes of the suite: started in their own process group, always ended, and never
leaked past the run.

Every process a test starts goes through :class:`Child` (or at least inherits the suite's run
marker, which every subprocess does through the environment). :func:`leaked_processes` finds,
at the end of the run, every process still alive that carries this run's marker, however deep
its ancestry and whoever its parent is now; ``tests/conftest.py`` fails the run if there is one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RUN_MARKER = "RESTMAN_TEST_SUITE_RUN"


def mark_this_run(token: str) -> None:
    """Put the run marker into this process's environment, so that every process the suite
    starts (and everything those start) carries it."""
    os.environ[RUN_MARKER] = token


def _environ_of(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, a zombie, or not ours to read
        return b""


def _command_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"


def leaked_processes(token: str) -> dict[int, str]:
    """Processes other than this one whose environment carries run marker ``token``, with
    their command lines."""
    needle = f"{RUN_MARKER}={token}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        if needle in _environ_of(pid).split(b"\0"):
            found[pid] = _command_of(pid)
    return found


def kill_all(pids: Sequence[int]) -> None:
    """SIGKILL each process (and its group, when it leads one)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)


class Child:
    """One child process in a process group of its own, ended with its whole group.

    Output goes to ``log`` (a file, never a pipe nobody reads: a full pipe would block the
    child). Use it as a context manager, or call :meth:`stop` from a finalizer, so that the
    process ends on every path, failure included.
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = list(args)
        self.log_path = log
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault(RUN_MARKER, os.environ.get(RUN_MARKER, ""))
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        """Start the process; its output is appended to the log file."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        """What the process has written so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the process's whole group."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole group and reap the process."""
        self.signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self, grace: float = 20.0) -> int | None:
        """SIGTERM the group, wait up to ``grace`` seconds, then SIGKILL it; returns the exit
        code (None when it was never started). Safe to call twice."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        # Whatever the leader did, nothing of its group outlives it.
        self.kill()
        return self.process.returncode

    def __enter__(self) -> Child:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def log_tail(text: str, lines: int = 40) -> str:
    """The last ``lines`` lines of a text, for failure messages."""
    return "\n".join(text.splitlines()[-lines:])
