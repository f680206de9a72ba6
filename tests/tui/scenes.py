"""A busy service, for snapshots and the README screenshot: tickets of several ages, stations
and order types on every column, with notes, special instructions and an item already done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import EMAIL, FrozenClock, ago, serve_in_thread


@dataclass(frozen=True)
class Scene:
    api: FakeKitchenApi
    url: str
    token: str
    clock: FrozenClock


# (name, quantity, special instructions, station) of one ordered item.
Item = tuple[str, int, str | None, str]


def populate(api: FakeKitchenApi, clock: FrozenClock) -> None:
    """Place the orders of a dinner service and move some of them along."""
    orders: list[tuple[list[Item], str, str | None, int, str | None]] = [
        (
            [("Ribeye", 2, "medium rare", "grill"), ("Fries", 2, None, "grill")],
            "dine_in",
            "12",
            14,
            None,
        ),
        ([("Caesar salad", 1, "no croutons", "cold")], "takeaway", None, 11, None),
        (
            [("Burger", 3, None, "grill"), ("Onion rings", 1, None, "grill")],
            "dine_in",
            "4",
            8,
            "Nut allergy",
        ),
        ([("Soup of the day", 2, None, "cold")], "delivery", None, 6, None),
        ([("Chicken wings", 1, "extra hot", "grill")], "dine_in", "7", 3, None),
        (
            [("Burger", 1, "no onions", "grill"), ("Fries", 1, None, "grill")],
            "takeaway",
            None,
            1,
            None,
        ),
    ]
    tickets = []
    for items, kind, table, minutes, special in orders:
        tickets.extend(
            api.place_order(
                items, order_type=kind, table=table, special=special, at=ago(clock, minutes)
            )
        )
    steps = {
        0: ["ACCEPTED", "IN_PROGRESS", "READY"],
        1: ["ACCEPTED", "IN_PROGRESS"],
        2: ["ACCEPTED"],
    }
    for index, path in steps.items():
        for status in path:
            ticket = api.tickets[tickets[index]["id"]]
            api.move(ticket["id"], status, ticket["version"])
    ribeye = api.tickets[tickets[2]["id"]]
    api.mark_item(ribeye["id"], ribeye["items"][1]["id"], True, ribeye["version"])


@contextmanager
def busy_service() -> Iterator[Scene]:
    """The populated fake API served from its own thread."""
    clock = FrozenClock()
    api = FakeKitchenApi(clock, heartbeat=0.5)
    populate(api, clock)
    token = api.issue_token(EMAIL)
    with serve_in_thread(api) as url:
        yield Scene(api, url, token, clock)


def _modifier(name: str, price: str = "0.00", quantity: int = 1) -> dict[str, object]:
    return {"name": name, "group_name": "", "price_delta": price, "quantity": quantity}


@contextmanager
def allergy_service() -> Iterator[Scene]:
    """Two tickets whose items took modifiers, one with an allergy note: what the cook must not
    miss. The modifiers and notes are set on the tickets as the API's ticket view carries them."""
    clock = FrozenClock()
    api = FakeKitchenApi(clock, heartbeat=0.5)
    orders: list[tuple[list[Item], str, str | None, int]] = [
        ([("Burger", 2, None, "grill"), ("Fries", 1, None, "grill")], "dine_in", "4", 5),
        ([("Flat white", 1, None, "bar")], "takeaway", None, 2),
    ]
    burger, coffee = (
        api.place_order(items, order_type=kind, table=table, at=ago(clock, minutes))[0]
        for items, kind, table, minutes in orders
    )
    stored = api.tickets[burger["id"]]
    first = stored["items"][0]
    first["modifiers"] = [_modifier("Extra cheese", "1.00"), _modifier("No onions")]
    first["allergy_note"] = "severe peanut allergy"
    stored["allergy_notes"] = ["2x Burger: severe peanut allergy"]
    api.tickets[coffee["id"]]["items"][0]["modifiers"] = [
        _modifier("Large", "0.50"),
        _modifier("Oat milk", "0.40"),
        _modifier("Extra shot", "0.80", quantity=2),
    ]
    token = api.issue_token(EMAIL)
    with serve_in_thread(api) as url:
        yield Scene(api, url, token, clock)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def populate_states(api: FakeKitchenApi, clock: FrozenClock) -> None:
    """One ticket in each state a cook must read in words: a held course, a course that fires
    in 3:20, an addition with a voided line, an allergy, and an order ready to send out."""

    def place(items: list[Item], minutes: float, **kind: Any) -> list[dict[str, Any]]:
        return [
            api.tickets[t["id"]] for t in api.place_order(items, at=ago(clock, minutes), **kind)
        ]

    def bump(ticket: dict[str, Any], *path: str) -> None:
        for status in path:
            api.move(ticket["id"], status, api.tickets[ticket["id"]]["version"])

    mains, desserts = place(
        [("Ribeye", 2, "medium rare", "grill"), ("Cheesecake", 2, None, "pastry")],
        12,
        table="4",
    )
    desserts.update(held=True, course=3)
    bump(mains, "ACCEPTED", "IN_PROGRESS")
    steak, salad = place(
        [("Sirloin", 1, None, "grill"), ("Caesar salad", 1, None, "cold")], 4, table="9"
    )
    steak["fire_at"] = _stamp(clock() + timedelta(minutes=3, seconds=20))
    bump(salad, "ACCEPTED")
    burger, addition = place(
        [("Burger", 1, None, "grill"), ("Onion rings", 1, None, "fry"), ("Fries", 1, None, "fry")],
        9,
        table="2",
    )
    addition["is_addition"] = True
    addition["items"][1]["voided"] = True
    bump(burger, "ACCEPTED", "IN_PROGRESS", "READY", "DELIVERED_TO_SERVICE")
    bump(addition, "ACCEPTED")
    (satay,) = place([("Satay", 1, None, "wok")], 7, order_type="takeaway")
    satay["items"][0]["allergy_note"] = "severe peanut allergy"
    satay["allergy_notes"] = ["1x Satay: severe peanut allergy"]
    bump(satay, "ACCEPTED", "IN_PROGRESS")
    (soup,) = place([("Soup of the day", 2, None, "cold")], 15, order_type="delivery")
    bump(soup, "ACCEPTED", "IN_PROGRESS", "READY")


@contextmanager
def states_service() -> Iterator[Scene]:
    """The tickets of :func:`populate_states`, served from their own thread."""
    clock = FrozenClock()
    api = FakeKitchenApi(clock, heartbeat=0.5)
    populate_states(api, clock)
    token = api.issue_token(EMAIL)
    with serve_in_thread(api) as url:
        yield Scene(api, url, token, clock)


@contextmanager
def crowded_service() -> Iterator[Scene]:
    """Seven new tickets: more than an 80x24 column shows."""
    clock = FrozenClock()
    api = FakeKitchenApi(clock, heartbeat=0.5)
    for n in range(7):
        api.place_order([(f"Dish {n + 1}", 1, "no salt", "grill")], at=ago(clock, 20 - 2 * n))
    token = api.issue_token(EMAIL)
    with serve_in_thread(api) as url:
        yield Scene(api, url, token, clock)
