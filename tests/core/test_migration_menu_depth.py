"""The menu-depth migration upgrades a database that already has data in it (SQLite and
PostgreSQL): existing restaurants become UTC and always open, foods have no modifier groups
or allergens, placed lines took no modifiers; and it downgrades back without losing them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.database import open_database
from restman_core.adapters.sql.tables import (
    categories,
    foods,
    kitchen_tickets,
    order_items,
    orders,
    restaurants,
    ticket_items,
    users,
)
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.ports.storage import Transaction
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.core.test_migrations import sync_engine
from tests.support.services import require

PREVIOUS = "0004"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the previous revision."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "old.db")
        in_thread(migrate.upgrade, url, PREVIOUS)
        yield url
        return
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("mig5_") as url:
        in_thread(migrate.upgrade, url, PREVIOUS)
        yield url


def fill(url: str) -> dict[str, uuid.UUID]:
    """One of everything the migration touches, written with the previous schema's columns."""
    ids = {
        name: uuid.uuid4()
        for name in ("user", "rest", "cat", "food", "order", "item", "ticket", "titem")
    }
    stamps = {"created_at": NOW, "updated_at": NOW}
    engine = sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    id=ids["user"], email="o@example.com", role="rest", is_active=True, **stamps
                )
            )
            conn.execute(
                restaurants.insert().values(
                    id=ids["rest"],
                    owner_id=ids["user"],
                    name="Old place",
                    tax_rate=Decimal("0.1"),
                    is_active=True,
                    **stamps,
                )
            )
            conn.execute(
                categories.insert().values(
                    id=ids["cat"],
                    restaurant_id=ids["rest"],
                    name="Mains",
                    display_order=0,
                    is_active=True,
                    **stamps,
                )
            )
            conn.execute(
                foods.insert().values(
                    id=ids["food"],
                    restaurant_id=ids["rest"],
                    category_id=ids["cat"],
                    name="Soup",
                    price=Decimal("4.00"),
                    is_available=True,
                    is_deleted=False,
                    **stamps,
                )
            )
            conn.execute(
                orders.insert().values(
                    id=ids["order"],
                    user_id=ids["user"],
                    restaurant_id=ids["rest"],
                    status="PLACED",
                    order_type="takeaway",
                    total_amount=Decimal("4.00"),
                    **stamps,
                )
            )
            conn.execute(
                order_items.insert().values(
                    id=ids["item"],
                    order_id=ids["order"],
                    food_id=ids["food"],
                    food_name="Soup",
                    quantity=1,
                    unit_price=Decimal("4.00"),
                    subtotal=Decimal("4.00"),
                    station="kitchen",
                    position=0,
                    created_at=NOW,
                )
            )
            conn.execute(
                kitchen_tickets.insert().values(
                    id=ids["ticket"],
                    order_id=ids["order"],
                    restaurant_id=ids["rest"],
                    user_id=ids["user"],
                    station="kitchen",
                    status="NEW",
                    version=1,
                    order_type="takeaway",
                    **stamps,
                )
            )
            conn.execute(
                ticket_items.insert().values(
                    id=ids["titem"],
                    ticket_id=ids["ticket"],
                    order_item_id=ids["item"],
                    food_id=ids["food"],
                    food_name="Soup",
                    quantity=1,
                    done=False,
                    position=0,
                )
            )
    finally:
        engine.dispose()
    return ids


async def read_back(url: str, ids: dict[str, uuid.UUID]) -> None:
    db = open_database(url)
    try:

        async def work(tx: Transaction) -> None:
            restaurant = await tx.restaurants.get(ids["rest"])
            assert restaurant is not None
            assert (restaurant.timezone, restaurant.opening_hours) == ("UTC", None)
            category = await tx.categories.get(ids["cat"])
            assert category is not None
            assert category.available_hours is None
            food = await tx.foods.get(ids["food"])
            assert food is not None
            assert (food.modifier_group_ids, food.allergens) == ((), ())
            order = await tx.orders.get(ids["order"])
            assert order is not None
            assert [(i.food_name, i.modifiers, i.allergy_note) for i in order.items] == [
                ("Soup", (), None)
            ]
            (ticket,) = await tx.tickets.for_order(ids["order"])
            assert ticket.items[0].modifiers == ()
            assert ticket.allergy_notes == ()
            assert await tx.modifiers.list_for(ids["rest"]) == []

        await db.run(work)
    finally:
        await db.close()


async def test_upgrading_a_database_with_data_keeps_it_and_adds_the_defaults(old_url: str) -> None:
    ids = fill(old_url)
    in_thread(migrate.upgrade, old_url)
    assert migrate.current_revision(old_url) == migrate.head_revision()
    await read_back(old_url, ids)
    in_thread(migrate.downgrade, old_url, PREVIOUS)
    engine = sync_engine(old_url)
    try:
        with engine.connect() as conn:
            names = [
                r.food_name
                for r in conn.execute(
                    order_items.select().with_only_columns(order_items.c.food_name)
                )
            ]
    finally:
        engine.dispose()
    assert names == ["Soup"]
