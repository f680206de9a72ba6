"""The top modifiers report: how often each option was taken in live orders and the revenue
its price deltas brought.

One aggregation over ``modifier_daily``, the daily roll-up of ``modifier_facts`` (one row per
item and option, written once; a cancelled order's rows carry their ``-1``), like top foods
over ``food_daily``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from restman_core.adapters.clickhouse.queries import Query, _day_filter
from restman_core.adapters.clickhouse.rollups import MODIFIER_DAILY
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.analytics_changes import ModifierTotal
from restman_core.domain.money import round_cents
from restman_core.errors import InvalidInput


def top_modifiers_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Every option taken in live orders placed in the period: the taken count, the revenue
    and the names of its latest item. Ranked and cut by :func:`top_modifiers_result` (the
    engine orders UUIDs by their halves, not as clients do)."""
    where, parameters = _day_filter(scope, start, end)
    sql = f"""
        SELECT option_id, argMaxMerge(latest_group), argMaxMerge(latest_name),
               sum(taken), sum(revenue)
        FROM {database}.{MODIFIER_DAILY.name} {where}
        GROUP BY option_id
        HAVING sum(options) > 0
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def top_modifiers_result(rows: Sequence[Sequence[Any]], limit: int) -> list[ModifierTotal]:
    """The ``limit`` most taken options, then by name and id."""
    if limit < 1:
        raise InvalidInput("limit must be at least 1", details={"field": "limit"})
    totals = [
        ModifierTotal(
            option_id=option_id,
            group_name=str(group_name),
            name=str(name),
            total_quantity=int(taken),
            total_revenue=round_cents(Decimal(revenue)),
        )
        for option_id, group_name, name, taken, revenue in rows
    ]
    totals.sort(key=lambda t: (-t.total_quantity, t.name, str(t.option_id)))
    return totals[:limit]
