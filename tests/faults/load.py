"""What the process-level fault tests share: a bounded order load placed by a few concurrent
clients that behave like real ones, the checks made after convergence, and the table of figures.

A client places each order with an ``Idempotency-Key`` of its own and retries that very request
(same key, same body) only on a connection error or a 503, as a real client would; any other
answer ends the order. Every response is tallied, so a test can say "zero 500s" and count the
503s it saw while a backend was down.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.api.harness import Harness, User
from tests.e2e.shared import revenue_figures, sql_truth
from tests.support.services import wait_for

STATIONS = ("grill", "bar")


@dataclass
class Tally:
    """Every answer the clients received (an httpx response hook), by kind."""

    responses: int = 0
    unavailable: int = 0
    unavailable_messages: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    connection_errors: int = 0

    async def __call__(self, response: httpx.Response) -> None:
        self.responses += 1
        if response.status_code == 503:
            await response.aread()
            self.unavailable += 1
            self.unavailable_messages.add(str(response.json().get("message", ""))[:200])
        elif response.status_code >= 500:
            await response.aread()
            request = response.request
            self.errors.append(f"{request.method} {request.url.path}: {response.text[:300]}")


@dataclass
class Menu:
    """A restaurant whose orders each make one ticket per station."""

    owner: User
    restaurant_id: str
    food_ids: list[str]
    price: Decimal


async def menu_with_stations(api: Harness, owner: User) -> Menu:
    """A fresh restaurant with one food per station in :data:`STATIONS` (9.75 an order)."""
    h = owner.headers
    r = await api.client.post("/api/restaurants", json={"name": "Fault Diner"}, headers=h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = await api.client.post(f"/api/restaurants/{rid}/categories", json={"name": "All"}, headers=h)
    assert r.status_code == 201, r.text
    foods = []
    for station, price in zip(STATIONS, ("7.25", "2.50"), strict=True):
        body = {"category_id": r.json()["id"], "name": station, "price": price, "station": station}
        f = await api.client.post(f"/api/restaurants/{rid}/foods", json=body, headers=h)
        assert f.status_code == 201, f.text
        foods.append(f.json()["id"])
    return Menu(owner, rid, foods, Decimal("9.75"))


@dataclass
class Load:
    """``orders`` orders placed by ``len(customers)`` concurrent clients on ``menu``."""

    client: httpx.AsyncClient
    customers: list[User]
    menu: Menu
    orders: int
    tally: Tally
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> order id
    accepted_at: list[float] = field(default_factory=list)  # time.monotonic() of each 201
    failed_attempts: list[float] = field(default_factory=list)  # when each 503 or reset was sent
    replayed: int = 0
    refused: list[str] = field(default_factory=list)
    retry_timeout: float = 90.0

    async def place_one(self, customer: User) -> str:
        """One order, retried with its key until an answer other than 503 or a reset."""
        key = uuid.uuid4().hex
        body = {
            "restaurant_id": self.menu.restaurant_id,
            "items": [{"food_id": f, "quantity": 1} for f in self.menu.food_ids],
        }
        headers = {**customer.headers, "Idempotency-Key": key}

        async def attempt() -> httpx.Response | None:
            sent = time.monotonic()
            try:
                response = await self.client.post("/api/orders", json=body, headers=headers)
            except httpx.TransportError:
                self.tally.connection_errors += 1
                self.failed_attempts.append(sent)
                return None
            if response.status_code == 503:
                self.failed_attempts.append(sent)
                return None
            return response

        response = await wait_for(
            attempt,
            until=lambda r: r is not None,
            what=f"an answer to order {key} other than 503 or a reset",
            timeout=self.retry_timeout,
            interval=0.1,
        )
        assert response is not None
        if response.status_code != 201:
            self.refused.append(f"{response.status_code}: {response.text[:200]}")
            return ""
        if response.headers.get("Idempotent-Replayed") == "true":
            self.replayed += 1
        self.accepted[key] = response.json()["id"]
        self.accepted_at.append(time.monotonic())
        return str(response.json()["id"])

    async def run(self) -> None:
        """Place every order; each client works through its share in turn."""
        remaining = iter(range(self.orders))

        async def client_loop(customer: User) -> None:
            for _ in remaining:
                await self.place_one(customer)

        await asyncio.gather(*(client_loop(c) for c in self.customers))

    def first_accepted_after(self, moment: float) -> float:
        """Seconds from ``moment`` to the first order accepted after it."""
        return min(t for t in self.accepted_at if t > moment) - moment

    async def reached(self, count: int) -> None:
        """Wait until ``count`` orders were accepted (the moment to inject a fault)."""

        async def accepted() -> int:
            return len(self.accepted)

        await wait_for(
            accepted, until=lambda n: n >= count, what=f"{count} accepted orders", timeout=120
        )


async def tickets_per_order(client: httpx.AsyncClient, menu: Menu) -> dict[str, list[str]]:
    """Each order's ticket stations, from the kitchen API (one page per station)."""
    found: dict[str, list[str]] = {}
    for station in STATIONS:
        r = await client.get(
            "/api/kitchen/tickets",
            params={"restaurant_id": menu.restaurant_id, "station": station, "limit": 200},
            headers=menu.owner.headers,
        )
        assert r.status_code == 200, r.text
        for ticket in r.json():
            found.setdefault(ticket["order_id"], []).append(ticket["station"])
    return {order: sorted(stations) for order, stations in found.items()}


async def bills_per_order(client: httpx.AsyncClient, menu: Menu) -> dict[str, int]:
    r = await client.get(
        f"/api/billing/restaurants/{menu.restaurant_id}",
        params={"limit": 200},
        headers=menu.owner.headers,
    )
    assert r.status_code == 200, r.text
    counts: dict[str, int] = {}
    for bill in r.json():
        counts[bill["order_id"]] = counts.get(bill["order_id"], 0) + 1
    return counts


async def assert_converged(
    client: httpx.AsyncClient, load: Load, *, timeout: float = 90, alive: Callable[[], None]
) -> None:
    """Every accepted order has exactly one ticket per station and exactly one bill, no other
    order has any, and the API's analytics equal the bills in SQL. ``alive`` fails the test at
    once if a process it depends on died."""
    assert len(set(load.accepted.values())) == len(load.accepted), "two keys, one order"
    orders = set(load.accepted.values())
    want_tickets = {order: sorted(STATIONS) for order in orders}
    want_bills = dict.fromkeys(orders, 1)

    async def effects() -> tuple[dict[str, list[str]], dict[str, int]]:
        alive()
        return await tickets_per_order(client, load.menu), await bills_per_order(client, load.menu)

    await wait_for(
        effects,
        until=lambda seen: seen == (want_tickets, want_bills),
        what=f"one ticket per station and one bill for each of {len(orders)} accepted orders",
        timeout=timeout,
        interval=0.5,
    )
    menu = load.menu
    truth = await sql_truth(client, menu.owner, menu.restaurant_id)
    assert truth == {
        "total_orders": len(orders),
        "total_revenue": str(menu.price * len(orders)),
    }

    async def analytics() -> object:
        alive()
        r = await client.get(
            "/api/analytics/revenue",
            params={"restaurant_id": menu.restaurant_id},
            headers=menu.owner.headers,
        )
        return r.status_code if r.status_code != 200 else revenue_figures(r.json())

    await wait_for(
        analytics, until=truth.__eq__, what="analytics revenue = SQL", timeout=timeout, interval=0.5
    )


_REPAIRED = re.compile(r"reconciler: consumer \S+ lacked \d+ events; re-applied (\d+)")


def repaired_in(log: str) -> int:
    """Events the reconciler re-applied, from a worker's log."""
    return sum(int(n) for n in _REPAIRED.findall(log))


@dataclass
class Figures:
    """One row of the fault table."""

    fault: str
    accepted: int
    unavailable: int
    resets: int
    recovery_seconds: float
    repaired: int

    def line(self) -> str:
        return (
            f"{self.fault:<28} {self.accepted:>8} {self.unavailable:>6} {self.resets:>7} "
            f"{self.recovery_seconds:>10.1f} {self.repaired:>9}"
        )


HEADER = (
    f"{'fault':<28} {'accepted':>8} {'503s':>6} {'resets':>7} {'recovery s':>10} {'repaired':>9}"
)


def report(figures: Figures) -> None:
    """Print the row to the test log (shown with ``-s``), with the header."""
    print(f"\n{HEADER}\n{figures.line()}")


class Clock:
    """Seconds since it was started."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def seconds(self) -> float:
        return time.monotonic() - self.started


async def signed_in_clients(api: Harness, count: int) -> list[User]:
    return list(await asyncio.gather(*(api.new_user("user") for _ in range(count))))


def log_of(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


Step = Callable[[], Awaitable[Any]]
