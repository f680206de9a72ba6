"""End to end against a real ``restman serve`` process on a real socket, with the distributed
backends it can use here: a fresh PostgreSQL database, Redis for sign-in state and the menu
cache, and a real SMTP server receiving the sign-in code. The original's Postman journey runs
against it unchanged (apart from the documented client corrections)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from restman_core.adapters.sql import migrate
from tests.api.harness import CODE, CodeReader, Harness
from tests.api.test_journey import run_journey
from tests.api.test_stream import listening
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.processes import Child, log_tail
from tests.support.services import (
    REDIS_TEST_URL,
    SERVED_CLIENT_LIMITS,
    TEST_SECRET_KEY,
    free_port,
    port_open,
    require,
    wait_for,
)
from tests.support.smtp import SmtpTestServer, smtp_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("api") as url:
        in_thread(migrate.upgrade, url)
        yield url


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with smtp_server() as server:
        yield server


def _redis_reachable() -> bool:
    match = re.match(r"redis://([^:/]+):(\d+)", REDIS_TEST_URL)
    return match is not None and port_open(match.group(1), int(match.group(2)))


@pytest.fixture(scope="module")
async def served(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, smtp: SmtpTestServer
) -> AsyncIterator[Harness]:
    require("Redis", _redis_reachable(), REDIS_TEST_URL)
    data_dir = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {
        **os.environ,
        "RESTMAN_DATA_DIR": str(data_dir),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REDIS_TEST_URL,
        "RESTMAN_SECRET_KEY": TEST_SECRET_KEY,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "RESTMAN_OTP_RESEND_SECONDS": "0",
        # Redis keeps rate-limit counters between runs; every sign-in here comes from one address.
        "RESTMAN_AUTH_RATE_LIMIT_PER_ADDRESS": "100000",
        "RESTMAN_LOG_LEVEL": "WARNING",
    }
    restman = str(Path(sys.executable).parent / "restman")
    server = Child([restman, "serve", "--port", str(port)], log=data_dir / "serve.log", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        server.start()
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS, base_url=base, timeout=15
        ) as client:

            async def ready() -> int | str:
                assert server.running(), log_tail(server.output())
                try:
                    return (await client.get("/ready")).status_code
                except httpx.TransportError as exc:
                    return repr(exc)

            await wait_for(
                ready, until=lambda status: status == 200, what="/ready to answer 200", timeout=90
            )
            yield Harness(None, client, data_dir, read_code=_smtp_reader(smtp))
    finally:
        await asyncio.to_thread(server.stop, 30)


def _smtp_reader(smtp: SmtpTestServer) -> CodeReader:
    async def read(address: str) -> str:
        found: list[str] = []

        async def arrived() -> bool:
            for message in reversed(smtp.messages):
                if address in str(message["To"]):
                    body = message.get_body(("plain",))
                    match = CODE.search(body.get_content() if body else "")
                    if match:
                        found.append(match.group(1))
                        return True
            return False

        await wait_for(arrived, what=f"a sign-in code mailed to {address}", timeout=30)
        return found[0]

    return read


async def test_postman_journey_against_restman_serve(served: Harness, smtp: SmtpTestServer) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}@example.com"

    def subjects() -> list[str]:
        return [str(m["Subject"]) for m in smtp.messages if owner in str(m["To"])]

    await run_journey(served, owner, ready_mail=subjects)


async def test_kitchen_stream_on_postgresql(served: Harness) -> None:
    owner, customer = await served.new_user("rest"), await served.new_user("user")
    rid, _, fid = await served.restaurant_with_food(owner)
    async with listening(served, owner.headers) as display:
        order = await served.place(customer, rid, fid)

        async def shown() -> list[tuple[str, str]]:
            return display.tickets(order["id"])

        wanted = [("ticket.created", "NEW")]
        await wait_for(shown, until=wanted.__eq__, what="the new ticket on the stream", timeout=30)
