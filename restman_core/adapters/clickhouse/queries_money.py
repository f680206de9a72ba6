"""The money reports: discounts and refunds that revenue is net of, and payments per method.

Like every report they sum the live rows (``sign``: the writer stores each payment and refund
once and keeps one live version of each bill, see :mod:`restman_core.adapters.clickhouse.dedup`;
bills and payments through their daily roll-ups, :mod:`restman_core.adapters.clickhouse.rollups`),
over bills generated in the period whose live status is not CANCELLED (a bill that took money
is never cancelled, so payments and refunds need no such filter).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from restman_core.adapters.clickhouse.queries import Query, _day_filter, _filter
from restman_core.adapters.clickhouse.rollups import BILL_DAILY, PAYMENT_DAILY
from restman_core.adapters.clickhouse.schema import REFUND_FACTS
from restman_core.domain.analytics import BILL_CANCELLED, AnalyticsScope, MethodTotal, MoneyTotals
from restman_core.domain.money import round_cents


def money_totals_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Discounts of the period's live bills, and their refunds (amounts, and sales part)."""
    bill_filter, parameters = _day_filter(scope, start, end, "status != {cancelled:String}")
    where, facts_parameters = _filter(scope, start, end, "generated_at")
    parameters.update(facts_parameters)
    sql = f"""
        SELECT
            (SELECT sum(discount_amount) FROM {database}.{BILL_DAILY.name} {bill_filter}),
            (SELECT sum(sign * amount) FROM {database}.{REFUND_FACTS.name} {where}),
            (SELECT sum(sign * revenue_amount) FROM {database}.{REFUND_FACTS.name} {where})
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, {**parameters, "cancelled": BILL_CANCELLED})


def money_totals_result(rows: Sequence[Sequence[Any]]) -> MoneyTotals:
    discounts, refunds, revenue = rows[0] if rows else (0, 0, 0)
    return MoneyTotals(
        discount_total=round_cents(Decimal(discounts or 0)),
        refund_total=round_cents(Decimal(refunds or 0)),
        refund_revenue=round_cents(Decimal(revenue or 0)),
    )


def payment_methods_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Payments of the period's bills per method: count, amounts, tips."""
    where, parameters = _day_filter(scope, start, end)
    sql = f"""
        SELECT payment_method AS method, sum(payments) AS live, sum(amount) AS amounts,
               sum(tip_amount) AS tips
        FROM {database}.{PAYMENT_DAILY.name} {where}
        GROUP BY method
        HAVING live > 0
        ORDER BY method ASC
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def payment_methods_result(rows: Sequence[Sequence[Any]]) -> list[MethodTotal]:
    return [
        MethodTotal(
            payment_method=str(method),
            payments=int(count),
            amount_total=round_cents(Decimal(amounts)),
            tip_total=round_cents(Decimal(tips)),
        )
        for method, count, amounts, tips in rows
    ]
