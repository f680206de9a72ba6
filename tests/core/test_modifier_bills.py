"""What modifiers add up to: the README's coffee with its size and milk groups billed with two
tax rates (drinks 20 %, a croissant at 5 %), and the most taken modifiers in analytics."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from restman_core.adapters.clickhouse.store import open_analytics_store
from restman_core.adapters.sql.analytics_truth import SqlAnalyticsTruth
from restman_core.domain.access import Actor, Role
from restman_core.domain.events import DomainEvent
from restman_core.domain.orders import OrderStatus
from restman_core.errors import NotFound
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.storage import Transaction
from restman_core.services.analytics import AnalyticsService
from restman_core.services.analytics_rebuild import rebuild_analytics
from restman_core.services.pipeline.facts import StatusChangeNeed, facts_of
from restman_core.views_billing import bill_book_view
from tests.core.bill_support import stored_book
from tests.core.builders import Core, add_user, outbox_events, placed_payload
from tests.core.test_modifiers import Cafe, cafe

__all__ = ["cafe"]


async def test_the_readme_coffee_is_billed_with_two_tax_rates(
    core: Core, cafe: Cafe, customer: Actor
) -> None:
    """The README's worked example: two large coffees with oat milk (drinks at 20 %) and a
    croissant (food at 5 %), one tax line per rate, each rounded half-up once."""
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    await core.menus.update_food(
        owner, rid, cafe.coffee.id, {"tax_rate": "0.20"}, replace_all=False
    )
    croissant = await core.menus.create_food(
        owner,
        rid,
        {
            "name": "Croissant",
            "price": "2.50",
            "category_id": str(cafe.kitchen.categories["Drinks"].id),
            "tax_rate": "0.05",
        },
    )
    body = cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"), quantity=2)
    body["items"].append({"food_id": str(croissant.id), "quantity": 1})
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)

    async def open_bill(tx: Transaction) -> None:
        await core.billing.open_bill(tx, payload)

    await core.db.run(open_bill)
    bill = bill_book_view(await stored_book(core, order.id))
    assert [(line["name"], line["amount"]) for line in bill["lines"]] == [
        ("Coffee (Large +0.50, Oat milk +0.40)", "7.80"),
        ("Croissant", "2.50"),
    ]
    assert bill["taxes"] == [
        {"rate": "0.05", "taxable": "2.50", "amount": "0.13"},
        {"rate": "0.2", "taxable": "7.80", "amount": "1.56"},
    ]
    assert (bill["subtotal"], bill["tax_amount"], bill["total_amount"]) == (
        "10.30",
        "1.69",
        "11.99",
    )


async def test_the_most_taken_modifiers_come_from_the_analytics_facts(
    core: Core, cafe: Cafe, customer: Actor, admin: Actor, tmp_path: Path
) -> None:
    """The consumer's path (each order's events, the placement delivered twice) and the rebuild
    from SQL give the same figures: the options taken in live orders, counted once."""
    place = core.orders.place_order
    await place(customer, cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"), quantity=2))
    await place(customer, cafe.body((cafe.size, "Small")))
    cancelled = (await place(customer, cafe.body((cafe.size, "Small"), quantity=3))).order
    await core.orders.change_status(customer, cancelled.id, OrderStatus.CANCELLED)
    want = [
        ("Large", 2, Decimal("1.00")),
        ("Oat milk", 2, Decimal("0.80")),
        ("Small", 1, Decimal("-0.50")),
    ]
    store = open_analytics_store(f"chdb://{tmp_path}/analytics", "restman_modifiers_test")
    reports = AnalyticsService(core.db, lambda: _ready(store))
    try:
        await store.ensure_schema()
        owner = cafe.kitchen.owner
        for placed in await core.orders.list_orders(owner, restaurant_id=cafe.kitchen.id):
            for envelope in await outbox_events(core.db, placed.id):
                found = facts_of(DomainEvent.from_envelope(envelope))
                if isinstance(found, StatusChangeNeed):
                    found = found.facts(await core.orders.get_order(owner, placed.id))
                for _ in range(2):
                    await store.record(found)
        top = await reports.top_modifiers(cafe.kitchen.owner, cafe.kitchen.id)
        assert [(t.name, t.total_quantity, t.total_revenue) for t in top] == want
        assert {t.group_name for t in top} == {"Size", "Milk"}
        await rebuild_analytics(admin, SqlAnalyticsTruth(core.db), lambda: _ready(store))
        top = await reports.top_modifiers(cafe.kitchen.owner, cafe.kitchen.id)
        assert [(t.name, t.total_quantity, t.total_revenue) for t in top] == want
        assert len(await reports.top_modifiers(admin, cafe.kitchen.id, limit=1)) == 1
        rival = await add_user(core.db, Role.OWNER, "rival")
        with pytest.raises(NotFound):
            await reports.top_modifiers(rival, cafe.kitchen.id)
    finally:
        await store.close()


async def _ready(store: AnalyticsStore) -> AnalyticsStore:
    """The store as the service's opener returns it."""
    return store
