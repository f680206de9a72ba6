"""``restman analytics rebuild``: re-project every analytics fact from the SQL truth.

The facts are derived from the SQL rows (orders with their items, voided ones too, their quote
and first ready moment, bills, kitchen tickets, payments and refunds)
rather than from the outbox, because housekeeping prunes the outbox after the retention: the
SQL rows are the truth for as long as they exist. The analytics tables are truncated first and
every fact recorded again with the version of the row's current state, so afterwards every
report equals what SQL says. Events that arrive meanwhile are recorded by the analytics
consumer as usual (a newer version supersedes; an equal one changes nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.analytics import AnalyticsFact, OrderFact
from restman_core.domain.analytics_changes import QuoteFact
from restman_core.domain.clock import ensure_utc
from restman_core.domain.orders import OrderStatus
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.analytics_truth import AnalyticsTruth, TruthKind
from restman_core.services.access import require_role
from restman_core.services.pipeline.facts import (
    ORDER_VERSIONS,
    bill_fact,
    payment_fact,
    placed_facts,
    refund_fact,
    ticket_fact,
    voided_fact,
)


@dataclass(slots=True)
class RebuildReport:
    orders: int = 0
    bills: int = 0
    tickets: int = 0
    payments: int = 0
    refunds: int = 0
    facts: int = 0


def _facts(kind: TruthKind, row: Mapping[str, Any]) -> list[AnalyticsFact]:
    if kind == "bills":
        return [bill_fact(row)]
    if kind == "tickets":
        return [ticket_fact(row)]
    if kind == "payments":
        return [payment_fact(row, row["bill"])]
    if kind == "refunds":
        return [refund_fact(row, row["bill"])]
    facts = placed_facts(row)
    placed = facts[0]
    assert isinstance(placed, OrderFact)
    facts.extend(
        voided_fact(row, item, placed.placed_at) for item in row["items"] if item.get("voided")
    )
    quote = _quote(row, placed.placed_at)
    if quote is not None:
        facts.append(quote)
    status = OrderStatus(str(row["status"]))
    updated = _moment(row["updated_at"])
    facts[0] = OrderFact(
        order_id=placed.order_id,
        restaurant_id=placed.restaurant_id,
        user_id=placed.user_id,
        order_type=placed.order_type,
        status=str(status),
        total_amount=placed.total_amount,
        placed_at=placed.placed_at,
        updated_at=updated,
        version=ORDER_VERSIONS[status],
    )
    return facts


def _quote(row: Mapping[str, Any], placed_at: datetime) -> QuoteFact | None:
    """The order's quote fact: its quote beside when it was first ready (none if never)."""
    quoted, ready = row.get("quoted_ready_at"), row.get("ready_at")
    if quoted is None or ready is None:
        return None
    return QuoteFact(
        order_id=uuid.UUID(str(row["id"])),
        restaurant_id=uuid.UUID(str(row["restaurant_id"])),
        placed_at=placed_at,
        quoted_ready_at=_moment(quoted),
        ready_at=_moment(ready),
    )


def _moment(text: object) -> datetime:
    return ensure_utc(datetime.fromisoformat(str(text)))


async def rebuild_analytics(
    actor: Actor,
    truth: AnalyticsTruth,
    store: Callable[[], Awaitable[AnalyticsStore]],
    *,
    batch_size: int = 500,
) -> RebuildReport:
    """Truncate the analytics store and record every fact again from SQL (admins only)."""
    require_role(actor, Role.ADMIN)
    analytics = await store()
    await analytics.truncate_all()
    report = RebuildReport()
    kinds: tuple[TruthKind, ...] = ("orders", "bills", "tickets", "payments", "refunds")
    for kind in kinds:
        after: uuid.UUID | None = None
        while True:
            rows = await truth.batch(kind, after, batch_size)
            facts = [fact for row in rows for fact in _facts(kind, row)]
            if facts:
                await analytics.record(facts)
            setattr(report, kind, getattr(report, kind) + len(rows))
            report.facts += len(facts)
            if len(rows) < batch_size:
                break
            after = uuid.UUID(str(rows[-1]["id"]))
    return report
