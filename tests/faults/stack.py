"""The stack the process-level fault tests run: ``restman worker all`` and ``restman serve`` as
real processes on a given PostgreSQL URL, Redis URL and broker, with a client of the API that
tallies every answer, and the figures each test reports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.harness import Harness
from tests.faults.load import (
    Figures,
    Load,
    Tally,
    menu_with_stations,
    repaired_in,
    report,
    signed_in_clients,
)
from tests.support.restman_processes import RestmanProcesses, embedded_env, restman_processes
from tests.support.services import REDIS_TEST_URL, SERVED_CLIENT_LIMITS, TEST_SECRET_KEY, free_port
from tests.support.tansu import Broker

ORDERS = 100
CLIENTS = 4


def stack_env(
    data_dir: Path, postgres_url: str, broker: Broker, grace: float, redis_url: str
) -> dict[str, str]:
    """Distributed settings with failover tuned for tansu (static members, 6 s sessions) and a
    reconciler that runs every second on events published more than ``grace`` s ago."""
    return embedded_env(
        data_dir,
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,
        KAFKA_BROKERS=broker.bootstrap,
        RESTMAN_SECRET_KEY=TEST_SECRET_KEY,
        RESTMAN_WORKER_ID="fault-worker",
        RESTMAN_KAFKA_SESSION_TIMEOUT_MS="6000",
        RESTMAN_RECONCILE_INTERVAL_SECONDS="1",
        RESTMAN_RECONCILE_GRACE_SECONDS=str(grace),
    )


@dataclass
class Stack:
    processes: RestmanProcesses
    env: dict[str, str]
    port: int
    client: httpx.AsyncClient
    api: Harness
    tally: Tally

    def start_worker(self) -> None:
        self.processes.start(["worker", "all"], self.env, "worker-all")

    def alive(self) -> None:
        for name, child in self.processes.started.items():
            assert child.running(), f"{name} died: {self.processes.log(name)}"

    def worker_log(self) -> str:
        """Everything the processes logged (the reconciler runs in the worker, or embedded in
        ``serve``)."""
        return "\n".join(child.output() for child in self.processes.started.values())


@asynccontextmanager
async def running_stack(
    tmp_path: Path,
    postgres_url: str,
    broker: Broker,
    *,
    grace: float = 15,
    redis_url: str = REDIS_TEST_URL,
) -> AsyncIterator[Stack]:
    """The worker and the API running, and a client of the API that tallies every answer."""
    env = stack_env(tmp_path / "data", postgres_url, broker, grace, redis_url)
    port, tally = free_port(), Tally()
    with restman_processes(tmp_path / "logs") as processes:
        processes.start(["worker", "all"], env, "worker-all")
        await processes.serve(env, port)
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS,
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            event_hooks={"response": [tally]},
        ) as client:
            api = Harness(None, client, tmp_path / "data")
            yield Stack(processes, env, port, client, api, tally)


async def start_load(stack: Stack) -> tuple[Load, asyncio.Task[None]]:
    owner = await stack.api.new_user("rest")
    menu = await menu_with_stations(stack.api, owner)
    customers = await signed_in_clients(stack.api, CLIENTS)
    load = Load(stack.client, customers, menu, ORDERS, stack.tally)
    return load, asyncio.create_task(load.run())


def figures(fault: str, load: Load, stack: Stack, recovery: float) -> Figures:
    row = Figures(
        fault,
        len(load.accepted),
        stack.tally.unavailable,
        stack.tally.connection_errors,
        recovery,
        repaired_in(stack.worker_log()),
    )
    report(row)
    for message in sorted(stack.tally.unavailable_messages):
        print(f"  503: {message}")
    return row


def assert_clean(load: Load, stack: Stack) -> None:
    assert stack.tally.errors == [], stack.tally.errors
    assert load.refused == [], load.refused
    assert len(load.accepted) >= ORDERS


@asynccontextmanager
async def embedded_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """``restman serve`` alone on embedded storage (SQLite, in-process pipeline and analytics),
    and a client of it that tallies every answer."""
    data = tmp_path / "data"
    env = embedded_env(data, RESTMAN_RECONCILE_INTERVAL_SECONDS="1")
    port, tally = free_port(), Tally()
    with restman_processes(tmp_path / "logs") as processes:
        await processes.serve(env, port)
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS,
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            event_hooks={"response": [tally]},
        ) as client:
            yield Stack(processes, env, port, client, Harness(None, client, data), tally)
