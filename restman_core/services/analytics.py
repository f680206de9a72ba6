"""Analytics reports: who may see which restaurants, and over which period.

Rules (from the API contract): admins see every restaurant, owners their own restaurants
(inactive ones included); any other role is Forbidden. Naming a restaurant the caller may not
see, or one that does not exist, is NotFound (its existence is not revealed). Periods are
inclusive UTC days inside the store's ``Date`` range, with ``start`` not after ``end``; either
end may be open. Every front end (API, CLI, embedding programs) goes through these use cases, so
the rules are decided once; the JSON shapes of the results are in :mod:`restman_core.views`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from restman_core.domain.access import Actor, Role
from restman_core.domain.analytics import (
    AnalyticsScope,
    KitchenTime,
    MethodTotal,
    RevenueSummary,
    StatusCount,
    TopFood,
)
from restman_core.domain.analytics_changes import ModifierTotal, QuoteError
from restman_core.errors import InvalidInput
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant, require_role

# The analytics store keeps days as ClickHouse ``Date``, which holds exactly this range.
EARLIEST, LATEST = date(1970, 1, 1), date(2149, 6, 6)
MAX_TOP_FOODS = 100
# A day-by-day series is one query per day; a year is plenty for a chart.
MAX_DAILY_DAYS = 366

Period = tuple[date | None, date | None]


def check_period(start: date | None, end: date | None) -> Period:
    """The period unchanged when valid; InvalidInput naming ``start_date``/``end_date`` when a
    day is outside the store's range or ``start`` is after ``end``."""
    for name, day in (("start_date", start), ("end_date", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(
                f"{name} must be between {EARLIEST} and {LATEST}", details={"field": name}
            )
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date must not be after end_date", details={"field": "start_date"})
    return start, end


def check_limit(limit: int) -> int:
    """``limit`` when it is 1..MAX_TOP_FOODS; InvalidInput otherwise."""
    if not 1 <= limit <= MAX_TOP_FOODS:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_TOP_FOODS}", details={"field": "limit"}
        )
    return limit


class AnalyticsService:
    """The analytics reports, scoped to what the actor may see.

    ``store`` returns the analytics store; it is awaited only once the request has passed the
    access and period checks, so a refused request never opens the (lazily started) engine.
    Access is checked before the period (a caller who may not see analytics learns nothing
    about their input). Every report raises Forbidden, NotFound or InvalidInput as described in
    the module, and Unavailable when the database or the store cannot be reached.
    """

    def __init__(self, db: Database, store: Callable[[], Awaitable[AnalyticsStore]]) -> None:
        self._db = db
        self._store = store

    async def scope(self, actor: Actor, restaurant_id: uuid.UUID | None = None) -> AnalyticsScope:
        """The restaurants a report for ``actor`` covers: everything (admin) or their own
        (owner); narrowed to ``restaurant_id`` when given, which must be one of them."""
        require_role(actor, Role.OWNER)
        if restaurant_id is not None:

            async def named(tx: Transaction) -> AnalyticsScope:
                restaurant = await managed_restaurant(tx, actor, restaurant_id)
                return AnalyticsScope.of([restaurant.id])

            return await self._db.run(named)
        if actor.is_admin:
            return AnalyticsScope.everything()

        async def owned(tx: Transaction) -> AnalyticsScope:
            return AnalyticsScope.of(r.id for r in await tx.restaurants.list_owned(actor.user_id))

        return await self._db.run(owned)

    async def top_foods(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[TopFood]:
        """Best sellers by quantity (cancelled orders excluded); ``limit`` is 1..100."""
        scope = await self.scope(actor, restaurant_id)
        check_limit(limit)
        period = check_period(start, end)
        return await (await self._store()).top_foods(scope, limit, *period)

    async def top_modifiers(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        *,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[ModifierTotal]:
        """A restaurant's most taken modifier options (cancelled orders excluded) and the
        revenue their price deltas brought; ``limit`` is 1..100."""
        scope = await self.scope(actor, restaurant_id)
        check_limit(limit)
        period = check_period(start, end)
        return await (await self._store()).top_modifiers(scope, limit, *period)

    async def revenue(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> RevenueSummary:
        """Sales of the bills generated in the period that were not cancelled, net of their
        discounts and refunds."""
        scope = await self.scope(actor, restaurant_id)
        period = check_period(start, end)
        return await (await self._store()).revenue(scope, *period)

    async def payment_methods(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[MethodTotal]:
        """Payments of the bills generated in the period, per method: count, amounts, tips."""
        scope = await self.scope(actor, restaurant_id)
        period = check_period(start, end)
        return await (await self._store()).payment_methods(scope, *period)

    async def daily_revenue(
        self, actor: Actor, *, restaurant_id: uuid.UUID | None = None, start: date, end: date
    ) -> list[tuple[date, RevenueSummary]]:
        """The revenue of each day from ``start`` to ``end`` (both required, at most
        MAX_DAILY_DAYS days), oldest first; the scope is decided once for the whole series."""
        scope = await self.scope(actor, restaurant_id)
        check_period(start, end)
        if (end - start).days >= MAX_DAILY_DAYS:
            raise InvalidInput(
                f"a daily series covers at most {MAX_DAILY_DAYS} days",
                details={"field": "start_date"},
            )
        store = await self._store()
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return [(day, await store.revenue(scope, day, day)) for day in days]

    async def orders_by_status(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[StatusCount]:
        """Orders placed in the period counted by their latest status, most frequent first."""
        scope = await self.scope(actor, restaurant_id)
        period = check_period(start, end)
        return await (await self._store()).orders_by_status(scope, *period)

    async def kitchen_times(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[KitchenTime]:
        """NEW-to-READY times per station and day for tickets opened in the period."""
        scope = await self.scope(actor, restaurant_id)
        period = check_period(start, end)
        return await (await self._store()).kitchen_times(scope, *period)

    async def quote_errors(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[QuoteError]:
        """Ready minus quoted time of the quoted orders placed in the period that were ready:
        over every restaurant the caller sees (or the one named) first, then per restaurant."""
        scope = await self.scope(actor, restaurant_id)
        period = check_period(start, end)
        return await (await self._store()).quote_errors(scope, *period)
