"""Migration 0006 upgrades a database that already holds orders and tickets, on SQLite and
PostgreSQL: existing items and tickets become placements (batch 0, not voided), and the tickets
that a closed order had left open are closed as the order's status says."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.tables import (
    kitchen_tickets,
    order_items,
    orders,
    restaurants,
    ticket_items,
    users,
)
from restman_core.adapters.sql.urls import async_url, sqlite_url
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.services import require

DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
NOW = datetime(2026, 11, 30, 19, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "old.db")
        in_thread(migrate.upgrade, url, "0004")
        yield url
        return
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("mig6_") as url:
        in_thread(migrate.upgrade, url, "0004")
        yield url


def engine_for(url: str) -> Engine:
    target = async_url(url)
    return create_engine(target.set(drivername=DRIVERS[target.get_backend_name()]))


def seed(engine: Engine) -> dict[str, uuid.UUID]:
    """One restaurant and three orders (open, completed, cancelled), each with a NEW ticket."""
    owner, restaurant = uuid.uuid4(), uuid.uuid4()
    ids = {status: uuid.uuid4() for status in ("PLACED", "COMPLETED", "CANCELLED")}
    stamp: dict[str, Any] = {"created_at": NOW, "updated_at": NOW}
    with engine.begin() as conn:
        conn.execute(users.insert().values(id=owner, email="o@example.com", role="rest", **stamp))
        conn.execute(
            restaurants.insert().values(
                id=restaurant,
                owner_id=owner,
                name="Old",
                tax_rate=Decimal("0.1"),
                is_active=True,
                **stamp,
            )
        )
        for status, order_id in ids.items():
            conn.execute(
                orders.insert().values(
                    id=order_id,
                    user_id=owner,
                    restaurant_id=restaurant,
                    status=status,
                    order_type="dine_in",
                    total_amount=Decimal("5.00"),
                    **stamp,
                )
            )
            item_id, ticket_id = uuid.uuid4(), uuid.uuid4()
            conn.execute(
                order_items.insert().values(
                    id=item_id,
                    order_id=order_id,
                    food_id=uuid.uuid4(),
                    food_name="Soup",
                    quantity=1,
                    unit_price=Decimal("5.00"),
                    subtotal=Decimal("5.00"),
                    station="kitchen",
                    position=0,
                    created_at=NOW,
                )
            )
            conn.execute(
                kitchen_tickets.insert().values(
                    id=ticket_id,
                    order_id=order_id,
                    restaurant_id=restaurant,
                    user_id=owner,
                    station="kitchen",
                    status="NEW",
                    version=1,
                    order_type="dine_in",
                    **stamp,
                )
            )
            conn.execute(
                ticket_items.insert().values(
                    id=uuid.uuid4(),
                    ticket_id=ticket_id,
                    order_item_id=item_id,
                    food_id=uuid.uuid4(),
                    food_name="Soup",
                    quantity=1,
                    done=False,
                    position=0,
                )
            )
    return ids


def test_upgrading_a_database_with_orders_closes_orphaned_tickets(url_at_0004: str) -> None:
    engine = engine_for(url_at_0004)
    try:
        ids = seed(engine)
        in_thread(migrate.upgrade, url_at_0004)
        assert migrate.current_revision(url_at_0004) == migrate.head_revision()
        with engine.connect() as conn:
            tickets = {
                row.order_id: (row.status, row.version, row.batch)
                for row in conn.execute(select(kitchen_tickets))
            }
            items = [(row.batch, row.voided) for row in conn.execute(select(order_items))]
            lines = [row.voided for row in conn.execute(select(ticket_items))]
    finally:
        engine.dispose()
    assert tickets == {
        ids["PLACED"]: ("NEW", 1, 0),
        ids["COMPLETED"]: ("DELIVERED_TO_SERVICE", 2, 0),
        ids["CANCELLED"]: ("CANCELLED", 2, 0),
    }
    assert items == [(0, False)] * 3
    assert lines == [False] * 3
