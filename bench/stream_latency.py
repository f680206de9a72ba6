"""How long an order takes to reach a kitchen stream while the server is under load.

A Python SSE client follows ``GET /api/kitchen/stream?restaurant_id=<sampler's restaurant>``
with the owner's token; a sampler places one order at that restaurant every ``interval``
seconds with its own httpx client. Each sample is the time from the POST's response to the
``ticket.created`` event for that order. The load itself goes to another restaurant, so the
client reads only the sampled tickets and its own parsing does not become the bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field

import httpx

CONNECT_TIMEOUT = 30.0
MAX_IN_FLIGHT = 20


@dataclass
class StreamLatency:
    """Milliseconds per sampled order; ``missing`` orders whose ticket never arrived in time."""

    samples_ms: list[float] = field(default_factory=list)
    placed: int = 0
    failed: int = 0
    missing: int = 0

    def percentile(self, fraction: float) -> float | None:
        if not self.samples_ms:
            return None
        if len(self.samples_ms) == 1:
            return self.samples_ms[0]
        cuts = statistics.quantiles(self.samples_ms, n=100, method="inclusive")
        return cuts[min(98, max(0, round(fraction * 100) - 1))]


class _Follower:
    """Reads the stream and notes when each order's first ticket.created arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.connected = asyncio.Event()

    async def follow(self, client: httpx.AsyncClient, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        async with client.stream("GET", url, headers=headers) as response:
            response.raise_for_status()
            event = ""
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    self.connected.set()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "ticket.created":
                    order_id = str(json.loads(line[5:]).get("order_id"))
                    self.arrived.setdefault(order_id, time.monotonic())
                elif not line:
                    event = ""


async def _sample(
    client: httpx.AsyncClient, url: str, token: str, body: str, result: StreamLatency
) -> tuple[str, float] | None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        answer = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError:
        result.failed += 1
        return None
    answered = time.monotonic()
    if answer.status_code != 201:
        result.failed += 1
        return None
    result.placed += 1
    return str(answer.json()["id"]), answered


async def _collect(
    pending: set[asyncio.Task[tuple[str, float] | None]],
    placed: list[tuple[str, float]],
    *,
    wait: bool,
    within: float = 0.0,
) -> set[asyncio.Task[tuple[str, float] | None]]:
    """Move finished samples into ``placed``; with ``wait``, first wait up to ``within``
    seconds and cancel what is still unanswered."""
    if wait and pending:
        await asyncio.wait(pending, timeout=within)
    still: set[asyncio.Task[tuple[str, float] | None]] = set()
    for task in pending:
        if not task.done():
            still.add(task)
        elif (sample := task.result()) is not None:
            placed.append(sample)
    if wait and still:
        for task in still:
            task.cancel()
        await asyncio.gather(*still, return_exceptions=True)
        return set()
    return still


async def measure(
    base_url: str,
    *,
    owner_token: str,
    customer_token: str,
    restaurant_id: str,
    order_body: str,
    duration: float,
    interval: float = 0.2,
    settle: float = 15.0,
) -> StreamLatency:
    """Sample for ``duration`` seconds, then wait up to ``settle`` seconds for late tickets."""
    result = StreamLatency()
    follower = _Follower()
    timeout = httpx.Timeout(30.0, read=None)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout) as stream_client,
        httpx.AsyncClient(base_url=base_url, timeout=30.0) as order_client,
    ):
        stream_url = f"/api/kitchen/stream?restaurant_id={restaurant_id}"
        placed: list[tuple[str, float]] = []
        reader = asyncio.create_task(follower.follow(stream_client, stream_url, owner_token))
        try:
            await asyncio.wait_for(follower.connected.wait(), CONNECT_TIMEOUT)
            # On a fixed schedule, not one after another: a slow answer must not thin the samples.
            pending: set[asyncio.Task[tuple[str, float] | None]] = set()
            stop = time.monotonic() + duration
            tick = time.monotonic()
            while tick < stop and not reader.done():
                if len(pending) < MAX_IN_FLIGHT:
                    sample = _sample(
                        order_client, "/api/orders", customer_token, order_body, result
                    )
                    pending.add(asyncio.create_task(sample))
                tick += interval
                await asyncio.sleep(max(0.0, tick - time.monotonic()))
                pending = await _collect(pending, placed, wait=False)
            await _collect(pending, placed, wait=True, within=settle)
            deadline = time.monotonic() + settle
            while time.monotonic() < deadline and not reader.done():
                if all(order_id in follower.arrived for order_id, _ in placed):
                    break
                await asyncio.sleep(0.05)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader
    for order_id, answered in placed:
        arrived = follower.arrived.get(order_id)
        if arrived is None:
            result.missing += 1
        else:
            result.samples_ms.append(max(0.0, arrived - answered) * 1000)
    return result
