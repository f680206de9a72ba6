"""A private PostgreSQL (never the machine's shared one) SIGKILLed under the running API and
worker, mid-load, and restarted: while it is down the API answers 503 with a message naming the
database, never 500; clients retrying with their Idempotency-Key get every order in once, and
after convergence the totals are exact."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from restman_core.adapters.sql import migrate
from tests.core.databases import in_thread
from tests.faults.load import assert_converged
from tests.faults.stack import ORDERS, assert_clean, figures, running_stack, start_load
from tests.support.processes import Child
from tests.support.services import free_port, port_open, require, wait_for, wait_for_sync
from tests.support.tansu import Broker, running_broker

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.kafka]

BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A postgres of this test's own (run as the ``postgres`` OS user) on a free port, with
    its data directory in a temporary directory; :meth:`kill` SIGKILLs the postmaster and its
    backends, :meth:`start` starts it again (crash recovery) on the same port."""

    def __init__(self, log: Path) -> None:
        require("postgres binaries", (BIN / "initdb").exists(), f"no {BIN}/initdb")
        require("runuser", shutil.which("runuser") is not None, "no runuser")
        self.root = Path(tempfile.mkdtemp(prefix="restman-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = log
        self.child: Child | None = None
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            [str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        )

    def _as_postgres(self, args: list[str]) -> None:
        child = Child(["runuser", "-u", "postgres", "--", *args], log=self.log).start()
        assert child.process is not None
        assert child.process.wait(timeout=120) == 0, child.output()[-2000:]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/restman"

    def start(self) -> None:
        server = [str(BIN / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        server += ["-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        self.child = Child(["runuser", "-u", "postgres", "--", *server], log=self.log).start()

    async def accepting(self) -> None:
        async def ready() -> bool:
            assert self.child is not None
            assert self.child.running(), self.child.output()[-3000:]
            if not port_open("127.0.0.1", self.port, timeout=0.2):
                return False
            try:
                conn = await psycopg.AsyncConnection.connect(
                    f"postgresql://postgres@127.0.0.1:{self.port}/postgres", connect_timeout=2
                )
            except psycopg.OperationalError:
                return False
            await conn.close()
            return True

        await wait_for(ready, what=f"private postgres on port {self.port}", timeout=60)

    def kill(self) -> None:
        """SIGKILL the server's whole process group, and wait until the postmaster is gone (a
        dead postmaster not yet reaped by its new parent still seems to hold its lock files, which
        a crashed server's restart finds stale)."""
        if self.child is not None:
            self.child.kill()
        lock = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            postmaster = int(lock.read_text().split()[0])
            wait_for_sync(
                lambda: _gone(postmaster), what=f"postmaster {postmaster} to exit", timeout=30
            )
            for stale in (lock, *self.root.glob(f".s.PGSQL.{self.port}*")):
                stale.unlink(missing_ok=True)

    def close(self) -> None:
        if self.child is not None:
            self.child.stop(grace=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(tmp_path / "postgres.log")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


async def test_database_killed_and_restarted_answers_503_then_exact_totals(
    tmp_path: Path, private_postgres: PrivatePostgres, broker: Broker
) -> None:
    """The private PostgreSQL is SIGKILLed mid-load (postmaster and backends) and restarted on
    its port: every request meanwhile gets a 503 naming the database (no 500), the API and the
    worker reconnect by themselves, and every accepted order ends with exactly its tickets and
    one bill, analytics equal to SQL."""
    private_postgres.start()
    await private_postgres.accepting()
    with contextlib.closing(
        psycopg.connect(private_postgres.url.replace("/restman", "/postgres"), autocommit=True)
    ) as conn:
        conn.execute("CREATE DATABASE restman")
    in_thread(migrate.upgrade, private_postgres.url)
    async with running_stack(tmp_path, private_postgres.url, broker) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        private_postgres.kill()

        async def refused() -> int:
            return stack.tally.unavailable

        await wait_for(refused, what="a 503 while the database is down", timeout=60)
        private_postgres.start()
        restarted = time.monotonic()
        await private_postgres.accepting()
        await running
        await assert_converged(stack.client, load, alive=stack.alive, timeout=120)
        figures("PostgreSQL kill -9 + restart", load, stack, load.first_accepted_after(restarted))
        assert_clean(load, stack)
        messages = stack.tally.unavailable_messages
        assert messages, "no 503 while the database was down"
        assert all("database" in m.lower() for m in messages), messages
