"""The kitchen stream over a real socket: created and updated tickets with their event ids,
heartbeats, Last-Event-ID resume, restaurant scoping, and a change made by a separate process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from restman_tui.client import KitchenClient
from restman_tui.stream import TicketFeed
from tests.api.harness import Harness, User
from tests.api.live import live_api
from tests.support.services import wait_for

MOVE_IN_ANOTHER_PROCESS = textwrap.dedent(
    """
    import asyncio, sys, uuid
    from restman_core.bootstrap import bootstrap
    from restman_core.config import load_settings
    from restman_core.domain.access import SYSTEM_ACTOR
    from restman_core.domain.kitchen import TicketStatus

    async def main() -> None:
        platform = await bootstrap(load_settings(data_dir=sys.argv[1]))
        try:
            await platform.kitchen.move_ticket(
                SYSTEM_ACTOR, uuid.UUID(sys.argv[2]), TicketStatus.IN_PROGRESS
            )
        finally:
            await platform.close()

    asyncio.run(main())
    """
)


@dataclass
class Listener:
    """Reads one stream in the background and keeps what arrived."""

    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    status: int = 0
    task: asyncio.Task[None] | None = None

    def tickets(self, order_id: str) -> list[tuple[str, str]]:
        return [
            (e["event"], e["data"]["status"])
            for e in self.events
            if e["event"].startswith("ticket.") and e["data"]["order_id"] == order_id
        ]


async def _read(harness: Harness, headers: dict[str, str], listener: Listener) -> None:
    async with harness.client.stream(
        "GET", "/api/kitchen/stream", headers=headers, timeout=None
    ) as response:
        listener.status = response.status_code
        if response.status_code != 200:
            return
        current: dict[str, Any] = {}
        async for line in response.aiter_lines():
            if line.startswith(":"):
                listener.comments.append(line[1:].strip())
            elif line.startswith(("id:", "event:", "data:")):
                name, _, value = line.partition(":")
                current[name] = value.strip()
            elif not line and "data" in current:
                listener.events.append(
                    {
                        "id": int(current["id"]),
                        "event": current["event"],
                        "data": json.loads(current["data"]),
                    }
                )
                current = {}


@contextlib.asynccontextmanager
async def listening(harness: Harness, headers: dict[str, str]) -> AsyncIterator[Listener]:
    listener = Listener()
    listener.task = asyncio.create_task(_read(harness, headers, listener))

    async def connected() -> bool:
        return "connected" in listener.comments or listener.task.done()  # type: ignore[union-attr]

    await wait_for(connected, what="the stream's 'connected' comment", timeout=30)
    try:
        yield listener
    finally:
        listener.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener.task


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with live_api(tmp_path_factory.mktemp("stream")) as harness:
        yield harness


async def _arrives(listener: Listener, order_id: str, wanted: list[tuple[str, str]]) -> None:
    async def arrived() -> list[tuple[str, str]]:
        return listener.tickets(order_id)

    try:
        await wait_for(arrived, until=wanted.__eq__, what=f"{wanted} on the stream", timeout=30)
    except AssertionError:
        raise AssertionError(f"{listener.tickets(order_id)} != {wanted}") from None


async def test_stream_delivers_changes_and_resumes(live: Harness) -> None:
    owner, customer = await live.new_user("rest"), await live.new_user("user")
    rid, _, fid = await live.restaurant_with_food(owner)
    staff = await live.new_staff(owner, rid)
    other_owner = await live.new_user("rest")
    other_rid, _, other_fid = await live.restaurant_with_food(other_owner)
    async with (
        listening(live, staff.headers) as cook,
        listening(live, other_owner.headers) as elsewhere,
    ):
        order = await live.place(customer, rid, fid)
        await _arrives(cook, order["id"], [("ticket.created", "NEW")])
        ticket = cook.events[-1]["data"]
        assert ticket["items"][0]["food_id"] == fid
        assert ticket["restaurant_id"] == rid
        created_id = cook.events[-1]["id"]
        r = await live.client.patch(
            f"/api/kitchen/tickets/{ticket['id']}/status",
            json={"status": "ACCEPTED"},
            headers=owner.headers,
        )
        assert r.status_code == 200
        await _arrives(
            cook, order["id"], [("ticket.created", "NEW"), ("ticket.updated", "ACCEPTED")]
        )
        await _move_in_another_process(live.data_dir, ticket["id"])
        await _arrives(
            cook,
            order["id"],
            [
                ("ticket.created", "NEW"),
                ("ticket.updated", "ACCEPTED"),
                ("ticket.updated", "IN_PROGRESS"),
            ],
        )
        assert [e["id"] for e in cook.events] == sorted({e["id"] for e in cook.events})
        # Events reach each display in log order: once the other restaurant's own change has
        # arrived there, this restaurant's earlier ones were filtered out, not just late.
        theirs = await live.place(customer, other_rid, other_fid)
        await _arrives(elsewhere, theirs["id"], [("ticket.created", "NEW")])
        assert elsewhere.tickets(order["id"]) == []
        assert cook.tickets(theirs["id"]) == []
        await wait_for(_has_heartbeat(cook), what="a heartbeat comment", timeout=30)

    resumed_headers = {**staff.headers, "Last-Event-ID": str(created_id)}
    async with listening(live, resumed_headers) as again:
        await _arrives(
            again, order["id"], [("ticket.updated", "ACCEPTED"), ("ticket.updated", "IN_PROGRESS")]
        )


async def test_resuming_past_the_end_of_the_log_resets_and_keeps_listening(
    live: Harness,
) -> None:
    owner, customer = await live.new_user("rest"), await live.new_user("user")
    rid, _, fid = await live.restaurant_with_food(owner)
    async with listening(live, owner.headers) as before:
        # Placed once the stream listens: a stream without Last-Event-ID starts at the log's
        # end, so a ticket made before it connected is not sent.
        first = await live.place(customer, rid, fid)
        await _arrives(before, first["id"], [("ticket.created", "NEW")])
    end = max(e["id"] for e in before.events)
    beyond = {**owner.headers, "Last-Event-ID": str(end + 1_000_000)}  # e.g. after a restore
    async with listening(live, beyond) as restored:

        async def resets() -> list[dict[str, Any]]:
            return [e for e in restored.events if e["event"] == "reset"]

        [reset] = await wait_for(resets, what="a reset event", timeout=30)
        assert reset["id"] >= end
        assert reset["data"]["last_event_id"] == reset["id"]
        order = await live.place(customer, rid, fid)
        await _arrives(restored, order["id"], [("ticket.created", "NEW")])
        assert restored.events[0]["event"] == "reset"


async def test_the_kitchen_display_reloads_its_board_on_a_reset(live: Harness) -> None:
    owner, customer = await live.new_user("rest"), await live.new_user("user")
    rid, _, fid = await live.restaurant_with_food(owner)
    token = owner.headers["Authorization"].removeprefix("Bearer ")
    client = KitchenClient(str(live.client.base_url), token)
    reloads: list[str | None] = []
    tickets: list[str] = []
    feed: TicketFeed

    async def resync() -> None:
        reloads.append(feed.last_event_id)

    feed = TicketFeed(
        client,
        rid,
        on_ticket=lambda _kind, ticket: tickets.append(ticket.order_id),
        on_connection=lambda _online, _reason: None,
        resync=resync,
    )
    feed.last_event_id = "99999999"  # from before a restore: far beyond the log's end
    task = asyncio.create_task(feed.run())
    try:

        async def reloaded() -> list[str | None]:
            return list(reloads)

        # Once on connecting, once more on the reset, which also rewinds the resume point.
        seen = await wait_for(reloaded, until=lambda r: len(r) >= 2, what="two reloads")
        assert seen[1] is not None
        assert int(seen[1]) < 99999999
        order = await live.place(customer, rid, fid)

        async def arrived() -> list[str]:
            return list(tickets)

        await wait_for(arrived, until=lambda t: order["id"] in t, what="the new ticket")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.aclose()


def _has_heartbeat(listener: Listener) -> Any:
    async def check() -> bool:
        return "heartbeat" in listener.comments

    return check


async def _move_in_another_process(data_dir: Path, ticket_id: str) -> None:
    def run() -> None:
        subprocess.run(
            [sys.executable, "-c", MOVE_IN_ANOTHER_PROCESS, str(data_dir), ticket_id],
            check=True,
            timeout=60,
            capture_output=True,
        )

    await asyncio.to_thread(run)


async def test_stream_refuses_customers_and_anonymous(live: Harness) -> None:
    customer: User = await live.new_user("user")
    for headers, status in (({}, 401), (customer.headers, 403)):
        r = await live.client.get("/api/kitchen/stream", headers=headers)
        assert r.status_code == status
        assert r.json()["error"] in ("UNAUTHORIZED", "FORBIDDEN")
    owner = await live.new_user("rest")
    r = await live.client.get(
        "/api/kitchen/stream", headers={**owner.headers, "Last-Event-ID": "yesterday"}
    )
    assert r.status_code == 400


async def test_stream_ends_when_the_session_is_revoked(live: Harness) -> None:
    owner = await live.new_user("rest")
    async with listening(live, owner.headers) as display:
        r = await live.client.post("/api/auth/logout-all", headers=owner.headers)
        assert r.status_code == 200
        task = display.task
        assert task is not None

        async def ended() -> bool:
            return task.done()

        await wait_for(ended, what="the stream to end", timeout=30)
