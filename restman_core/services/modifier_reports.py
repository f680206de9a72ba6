"""The most taken modifiers of a restaurant, read from the orders themselves (the frozen
modifiers of their lines), apart from the analytics store: how often each option was taken
and the revenue its price deltas brought (a negative delta brings a negative figure).

Revenue analytics already include modifier prices: a line's unit price is its food's price
plus its options' deltas, and every report sums those line prices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from restman_core.domain.access import Actor
from restman_core.domain.modifiers import ChosenModifier
from restman_core.errors import InvalidInput
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant

MAX_TOP = 100


@dataclass(frozen=True, slots=True)
class TopModifier:
    option_id: uuid.UUID
    group_name: str
    name: str
    total_quantity: int
    total_revenue: Decimal


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive UTC days as instants: ``start`` at midnight, the day after ``end``."""
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date is after end_date", details={"field": "start_date"})
    low = datetime.combine(start, time(0), UTC) if start else None
    high = datetime.combine(end + timedelta(days=1), time(0), UTC) if end else None
    return low, high


async def top_modifiers(
    db: Database,
    actor: Actor,
    restaurant_id: uuid.UUID,
    *,
    limit: int = 10,
    start: date | None = None,
    end: date | None = None,
) -> Sequence[TopModifier]:
    """The restaurant's options by quantity taken (line quantity times modifier quantity),
    most first, then by name; cancelled orders left out (owner, admin). The names are the
    latest an order froze for each option."""
    if not 1 <= limit <= MAX_TOP:
        raise InvalidInput(f"limit must be between 1 and {MAX_TOP}", details={"field": "limit"})
    low, high = _bounds(start, end)

    async def work(tx: Transaction) -> Sequence[tuple[int, tuple[ChosenModifier, ...]]]:
        await managed_restaurant(tx, actor, restaurant_id)
        return await tx.modifiers.taken(restaurant_id, low, high)

    totals: dict[uuid.UUID, TopModifier] = {}
    for quantity, chosen in await db.run(work):
        for c in chosen:
            taken = quantity * c.quantity
            before = totals.get(c.option_id)
            totals[c.option_id] = TopModifier(
                option_id=c.option_id,
                group_name=c.group_name,
                name=c.name,
                total_quantity=taken + (before.total_quantity if before else 0),
                total_revenue=c.price_delta * taken
                + (before.total_revenue if before else Decimal("0.00")),
            )
    ranked = sorted(totals.values(), key=lambda t: (-t.total_quantity, t.name, str(t.option_id)))
    return ranked[:limit]
