"""Deciding, before anything is written, which signed rows a batch of facts adds.

Pure functions over rows (lists in a table's column order, see :mod:`schema`) and the rows
already stored; :mod:`restman_core.adapters.clickhouse.writes` fetches those and inserts what
is planned here. The rules (one live row per versioned key, one recording per immutable key,
cancellation copies) are described in :mod:`restman_core.adapters.clickhouse.schema`. Planning
depends only on the stored state and the batch, so a redelivered batch, a replayed log or a
batch in any order adds nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from restman_core.adapters.clickhouse.schema import ORDER_FACTS, FactTable
from restman_core.domain.analytics import ORDER_CANCELLED

Row = list[Any]
Key = tuple[Any, ...]
# Where the writer finds stored rows: (restaurant_id, time_column value, order_id).
Locator = tuple[UUID, Any, UUID]

_ORDER_STATUS = ORDER_FACTS.index("status")


def locator_of(table: FactTable, row: Row) -> Locator:
    return (
        row[table.index("restaurant_id")],
        row[table.index(table.time_column)],
        row[table.index("order_id")],
    )


def locators_of(table: FactTable, rows: Iterable[Row]) -> set[Locator]:
    restaurant, time, order = (
        table.index("restaurant_id"),
        table.index(table.time_column),
        table.index("order_id"),
    )
    return {(row[restaurant], row[time], row[order]) for row in rows}


def latest_by_key(table: FactTable, rows: Iterable[Row]) -> dict[Key, Row]:
    """One row per key: the highest version (two facts with one key and version are equal by
    contract, so any of them), or for immutable facts the first."""
    found: dict[Key, Row] = {}
    position = None if table.version is None else table.index(table.version)
    key_positions = [table.index(column) for column in table.key]
    for row in rows:
        key = tuple(row[n] for n in key_positions)
        held = found.get(key)
        if held is None or (position is not None and row[position] > held[position]):
            found[key] = row
    return found


@dataclass(slots=True)
class OrderPlan:
    """The signed order rows a batch adds, and what it does to cancellation: ``cancelled``
    holds the latest known cancelled-ness of every order the batch or the store names, and
    ``transitions`` the orders whose cancelled-ness the batch changes (their locator and the
    sign their dependent rows' copies take: -1 entering CANCELLED, +1 leaving it)."""

    rows: list[Row] = field(default_factory=list)
    cancelled: dict[UUID, bool] = field(default_factory=dict)
    transitions: dict[UUID, tuple[Locator, int]] = field(default_factory=dict)


def plan_versioned(
    table: FactTable, incoming: Iterable[Row], stored: Mapping[Key, Row]
) -> list[tuple[Row | None, Row]]:
    """The (stored row or ``None``, newer row) pairs to write: keys whose incoming latest
    version is above the stored one."""
    assert table.version is not None
    position = table.index(table.version)
    changes: list[tuple[Row | None, Row]] = []
    for key, row in latest_by_key(table, incoming).items():
        old = stored.get(key)
        if old is None or row[position] > old[position]:
            changes.append((old, row))
    return changes


def signed_changes(changes: Iterable[tuple[Row | None, Row]]) -> list[Row]:
    rows: list[Row] = []
    for old, new in changes:
        if old is not None:
            rows.append([*old, -1])
        rows.append([*new, 1])
    return rows


def plan_orders(incoming: Iterable[Row], stored: Mapping[Key, Row]) -> OrderPlan:
    plan = OrderPlan()
    for row in stored.values():
        plan.cancelled[row[ORDER_FACTS.index("order_id")]] = row[_ORDER_STATUS] == ORDER_CANCELLED
    changes = plan_versioned(ORDER_FACTS, incoming, stored)
    plan.rows = signed_changes(changes)
    for old, new in changes:
        was = old is not None and old[_ORDER_STATUS] == ORDER_CANCELLED
        now = new[_ORDER_STATUS] == ORDER_CANCELLED
        order_id = new[ORDER_FACTS.index("order_id")]
        plan.cancelled[order_id] = now
        if was != now:
            plan.transitions[order_id] = (locator_of(ORDER_FACTS, new), -1 if now else 1)
    return plan


def plan_immutable(
    table: FactTable, incoming: Iterable[Row], stored: Mapping[Key, Row], orders: OrderPlan
) -> list[Row]:
    """New keys once (with their ``-1`` when the table follows cancellation and the order is
    cancelled), and for a table that follows cancellation, the copies its stored rows take
    for the orders whose cancelled-ness changed."""
    rows: list[Row] = []
    order_position = table.index("order_id")
    for key, row in latest_by_key(table, incoming).items():
        if key in stored:
            continue
        rows.append([*row, 1])
        if table.follows_order_cancellation and orders.cancelled.get(row[order_position], False):
            rows.append([*row, -1])
    if table.follows_order_cancellation:
        for row in stored.values():
            transition = orders.transitions.get(row[order_position])
            if transition is not None:
                rows.append([*row, transition[1]])
    return rows
