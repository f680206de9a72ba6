"""The analytics store: where facts are recorded and reports are read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from restman_core.domain.analytics import (
    AnalyticsFact,
    AnalyticsScope,
    KitchenTime,
    MethodTotal,
    MoneyTotals,
    RevenueSummary,
    StatusCount,
    TopFood,
)
from restman_core.domain.analytics_changes import ModifierTotal, QuoteError


class AnalyticsStore(Protocol):
    """Facts in, reports out.

    Every method raises :class:`restman_core.errors.Unavailable` when the store cannot be
    reached. Recording is idempotent: recording the same facts again (a redelivered event) leaves
    every report unchanged, and a fact with a higher version supersedes the older one. Reports
    take a scope (an empty scope yields empty results) and, where it makes sense, inclusive
    ``start``/``end`` dates in UTC.
    """

    async def ensure_schema(self) -> None:
        """Create the database and tables if they are missing (safe to call on every start)."""
        ...

    async def record(self, facts: Sequence[AnalyticsFact]) -> None:
        """Store a mixed batch of facts with one insert per kind of fact."""
        ...

    async def top_foods(
        self,
        scope: AnalyticsScope,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[TopFood]:
        """Best sellers by quantity (then revenue, then name) among orders placed in the period
        whose latest status is not CANCELLED. Raises InvalidInput when ``limit`` < 1."""
        ...

    async def revenue(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> RevenueSummary:
        """Sales of bills generated in the period whose latest status is not CANCELLED, net of
        their discounts and refunds (see ``MoneyTotals.applied_to``)."""
        ...

    async def money_totals(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> MoneyTotals:
        """Discounts of those bills, and their refunds (amounts and the sales part of them)."""
        ...

    async def payment_methods(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[MethodTotal]:
        """Payments of the period's bills per method (count, amounts, tips), by method name."""
        ...

    async def orders_by_status(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[StatusCount]:
        """Orders placed in the period counted by latest status, most frequent first."""
        ...

    async def kitchen_times(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[KitchenTime]:
        """NEW-to-READY times per station and day for tickets opened in the period."""
        ...

    async def quote_errors(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[QuoteError]:
        """Ready minus quoted time of quoted orders placed in the period that were ready: the
        whole scope first (``restaurant_id`` None; ``None`` figures when there are none),
        then each restaurant that has some, by id."""
        ...

    async def top_modifiers(
        self,
        scope: AnalyticsScope,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[ModifierTotal]:
        """Modifier options by times taken (item quantity times option quantity; then name,
        then id) in orders placed in the period whose latest status is not CANCELLED, with the
        revenue their price deltas brought. Raises InvalidInput when ``limit`` < 1."""
        ...

    async def health(self) -> None:
        """Return when the store answers; raise Unavailable otherwise."""
        ...

    async def truncate_all(self) -> None:
        """DESTRUCTIVE: delete every fact (tests and the CLI's reset only)."""
        ...

    async def close(self) -> None:
        """Release the connection (and, embedded, the engine)."""
        ...
