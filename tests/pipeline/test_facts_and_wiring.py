"""Pure parts of the pipeline: events to analytics facts, worker kinds, metrics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry

from restman_core.bootstrap_events import WORKER_KINDS, expand_kinds
from restman_core.domain.analytics import BillFact, OrderFact, OrderItemFact, TicketTimingFact
from restman_core.domain.events import (
    BILL_PAID,
    ORDER_PLACED,
    ORDER_STATUS_UPDATED,
    TICKET_UPDATED,
    DomainEvent,
)
from restman_core.domain.orders import OrderStatus
from restman_core.errors import ConfigurationError, InvalidInput
from restman_core.services.pipeline import Workers, WorkerSpec, register_pipeline_metrics
from restman_core.services.pipeline.facts import ORDER_VERSIONS, StatusChangeNeed, facts_of
from tests.support.services import wait_for

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDER = uuid.uuid4()
RESTAURANT = uuid.uuid4()


def event(kind: str, payload: dict[str, object]) -> DomainEvent:
    return DomainEvent(kind, ORDER, AT, payload)


def test_a_placed_order_makes_an_order_fact_and_one_fact_per_item() -> None:
    item = {
        "id": str(uuid.uuid4()),
        "food_id": str(uuid.uuid4()),
        "food_name": "Soup",
        "quantity": 2,
        "unit_price": "3.50",
        "subtotal": "7.00",
    }
    facts = facts_of(
        event(
            ORDER_PLACED,
            {
                "order_id": str(ORDER),
                "restaurant_id": str(RESTAURANT),
                "user_id": str(uuid.uuid4()),
                "order_type": "takeaway",
                "total_amount": "7.00",
                "placed_at": "2026-03-01T12:00:00Z",
                "items": [item],
            },
        )
    )
    assert isinstance(facts, list)
    order, line = facts
    assert isinstance(order, OrderFact)
    assert (order.status, order.version, order.total_amount) == ("PLACED", 1, Decimal("7.00"))
    assert isinstance(line, OrderItemFact)
    assert (line.quantity, line.subtotal, line.placed_at) == (2, Decimal("7.00"), AT)


def test_status_changes_are_versioned_by_their_place_in_the_order_machine() -> None:
    versions = []
    for status in ("ACCEPTED", "IN_PROGRESS", "READY", "COMPLETED", "CANCELLED"):
        need = facts_of(
            event(
                ORDER_STATUS_UPDATED,
                {"order_id": str(ORDER), "new_status": status, "updated_at": "2026-03-01T12:05Z"},
            )
        )
        assert isinstance(need, StatusChangeNeed)
        assert (need.order_id, need.status) == (ORDER, OrderStatus(status))
        versions.append(ORDER_VERSIONS[need.status])
    # Later states supersede earlier ones; CANCELLED (terminal) beats everything.
    assert versions == [2, 3, 4, 5, 6]


def test_bill_and_ticket_facts_carry_versions_that_grow_with_their_state() -> None:
    bill = facts_of(
        event(
            BILL_PAID,
            {
                "id": str(uuid.uuid4()),
                "order_id": str(ORDER),
                "user_id": str(uuid.uuid4()),
                "restaurant_id": str(RESTAURANT),
                "subtotal": "10.00",
                "tax_amount": "1.00",
                "discount_amount": "0.00",
                "tip_amount": "2.00",
                "total_amount": "13.00",
                "status": "PAID",
                "payment_method": "card",
                "generated_at": "2026-03-01T12:00:00Z",
                "paid_at": "2026-03-01T12:30:00Z",
                "updated_at": "2026-03-01T12:30:00Z",
            },
        )
    )
    assert isinstance(bill, list)
    assert isinstance(bill[0], BillFact)
    assert (bill[0].version, bill[0].payment_method) == (2, "card")
    ticket = {
        "id": str(uuid.uuid4()),
        "order_id": str(ORDER),
        "restaurant_id": str(RESTAURANT),
        "station": "grill",
        "version": 4,
        "created_at": "2026-03-01T12:00:00Z",
        "ready_at": "2026-03-01T12:09:00Z",
    }
    timing = facts_of(event(TICKET_UPDATED, {"ticket": ticket}))
    assert isinstance(timing, list)
    assert isinstance(timing[0], TicketTimingFact)
    assert (timing[0].version, timing[0].station) == (4, "grill")


def test_an_event_that_makes_no_valid_fact_is_refused() -> None:
    with pytest.raises(InvalidInput):
        facts_of(event(ORDER_PLACED, {"order_id": "not-a-uuid"}))
    assert facts_of(event("menu.food_created", {})) == []


def test_worker_kinds_expand_and_unknown_kinds_are_refused() -> None:
    assert expand_kinds(["all"]) == list(WORKER_KINDS)
    assert expand_kinds(["Scheduler", "relay"]) == ["relay", "scheduler"]
    with pytest.raises(ConfigurationError):
        expand_kinds(["kitchen", "dishwasher"])


class CountingWorker:
    """A worker that has processed three events and runs until stopped."""

    name = "kitchen"

    def __init__(self) -> None:
        self.stats = type("Stats", (), {"processed": 3, "lag": {("t", 0): 2, ("t", 1): 5}})()
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()


async def test_metrics_report_the_running_workers_counters() -> None:
    workers = Workers([WorkerSpec("kitchen", CountingWorker)], report_seconds=0)
    workers.start()
    registry = CollectorRegistry()
    register_pipeline_metrics(workers, registry)

    async def running() -> bool:
        return workers.worker("kitchen") is not None

    try:
        await wait_for(running, what="the kitchen worker running", timeout=30)
        processed = registry.get_sample_value(
            "restman_pipeline_processed_total", {"worker": "kitchen"}
        )
        assert processed == 3
        assert registry.get_sample_value("restman_pipeline_lag", {"worker": "kitchen"}) == 7
    finally:
        await workers.shutdown()
    assert workers.crashes == {"kitchen": 0}
