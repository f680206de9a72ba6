"""Migration 0007 on a database that already has data, on SQLite and PostgreSQL: a bill paid
before keeps its meaning (its payment appears, ``amount_paid`` and what is due are right), a
pending bill can be split and paid, and the downgrade brings the old schema back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.database import open_database
from restman_core.adapters.sql.tables import (
    bill_payments,
    bills,
    order_items,
    orders,
    restaurants,
    users,
)
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.domain.billing import BillStatus
from restman_core.ports.storage import Transaction
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.core.test_migrations import sync_engine
from tests.support.services import require

NOW = datetime(2026, 11, 30, 20, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0004, the one before the money tables."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "old.db")
        in_thread(migrate.upgrade, url, "0004")
        yield url
        return
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("mig_") as url:
        in_thread(migrate.upgrade, url, "0004")
        yield url


def seed_old_bills(url: str) -> dict[str, uuid.UUID]:
    """A restaurant with one PAID and one PENDING bill, written the way revision 0004 had them."""
    ids = {name: uuid.uuid4() for name in ("owner", "customer", "restaurant", "paid", "pending")}
    engine = sync_engine(url)
    try:
        with engine.begin() as conn:
            for who, role in (("owner", "rest"), ("customer", "user")):
                conn.execute(
                    users.insert().values(
                        id=ids[who],
                        email=f"{ids[who].hex}@example.com",
                        role=role,
                        is_active=True,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            conn.execute(
                restaurants.insert().values(
                    id=ids["restaurant"],
                    owner_id=ids["owner"],
                    name="Old place",
                    tax_rate=Decimal("0.10"),
                    is_active=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            for kind, status, method, tip in (
                ("paid", "PAID", "card", Decimal("2.00")),
                ("pending", "PENDING", None, Decimal("0.00")),
            ):
                order_id = ids[kind]
                conn.execute(
                    orders.insert().values(
                        id=order_id,
                        user_id=ids["customer"],
                        restaurant_id=ids["restaurant"],
                        status="COMPLETED",
                        order_type="dine_in",
                        total_amount=Decimal("25.98"),
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                conn.execute(
                    order_items.insert().values(
                        id=uuid.uuid4(),
                        order_id=order_id,
                        food_id=uuid.uuid4(),
                        food_name="Burger",
                        quantity=2,
                        unit_price=Decimal("12.99"),
                        subtotal=Decimal("25.98"),
                        station="kitchen",
                        position=0,
                        created_at=NOW,
                    )
                )
                conn.execute(
                    bills.insert().values(
                        id=uuid.uuid4(),
                        order_id=order_id,
                        user_id=ids["customer"],
                        restaurant_id=ids["restaurant"],
                        subtotal=Decimal("25.98"),
                        tax_rate=Decimal("0.10"),
                        tax_amount=Decimal("2.60"),
                        discount_amount=Decimal("0.00"),
                        tip_amount=tip,
                        total_amount=Decimal("28.58") + tip,
                        status=status,
                        payment_method=method,
                        generated_at=NOW,
                        paid_at=NOW if status == "PAID" else None,
                        created_at=NOW,
                        updated_at=NOW,
                        version=2 if status == "PAID" else 1,
                    )
                )
    finally:
        engine.dispose()
    return ids


async def test_bills_paid_before_keep_their_meaning(old_url: str) -> None:
    ids = seed_old_bills(old_url)
    in_thread(migrate.upgrade, old_url)
    assert migrate.current_revision(old_url) == migrate.head_revision()
    db = open_database(old_url)
    try:

        async def read(tx: Transaction) -> None:
            paid = await tx.bills.get_book(ids["paid"])
            assert paid is not None
            assert paid.bill.status is BillStatus.PAID
            assert paid.bill.amount_paid == Decimal("28.58")
            assert paid.bill.amount_due == 0
            assert [(p.amount, p.tip, str(p.method)) for p in paid.payments] == [
                (Decimal("28.58"), Decimal("2.00"), "card")
            ]
            assert paid.lines[0].tax_rate == Decimal("0.10")
            pending = await tx.bills.get_book(ids["pending"])
            assert pending is not None
            assert pending.bill.amount_due == Decimal("28.58")
            assert pending.payments == ()

        await db.run(read)
    finally:
        await db.close()
    engine = sync_engine(old_url)
    try:
        with engine.connect() as conn:
            assert len(conn.execute(select(bill_payments)).all()) == 1
    finally:
        engine.dispose()
    in_thread(migrate.downgrade, old_url, "0004")
    assert migrate.current_revision(old_url) == "0004"
