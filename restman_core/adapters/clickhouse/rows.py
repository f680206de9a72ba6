"""Turning facts into insert rows, in each table's column order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from restman_core.adapters.clickhouse.schema import (
    BILL_FACTS,
    MODIFIER_FACTS,
    ORDER_FACTS,
    ORDER_ITEM_FACTS,
    PAYMENT_FACTS,
    QUOTE_FACTS,
    REFUND_FACTS,
    TICKET_TIMING_FACTS,
    VOIDED_ITEM_FACTS,
    FactTable,
)
from restman_core.domain.analytics import (
    AnalyticsFact,
    BillFact,
    OrderFact,
    OrderItemFact,
    PaymentFact,
    RefundFact,
    TicketTimingFact,
)
from restman_core.domain.analytics_changes import ModifierFact, QuoteFact, VoidedItemFact
from restman_core.errors import InvalidInput

Row = list[Any]


def money_table_and_row(fact: PaymentFact | RefundFact) -> tuple[FactTable, Row]:
    """A payment or refund fact as its table's row."""
    if isinstance(fact, PaymentFact):
        return PAYMENT_FACTS, [
            fact.payment_id,
            fact.bill_id,
            fact.order_id,
            fact.restaurant_id,
            fact.payment_method,
            fact.amount,
            fact.tip_amount,
            fact.generated_at,
            fact.paid_at,
        ]
    return REFUND_FACTS, [
        fact.refund_id,
        fact.bill_id,
        fact.order_id,
        fact.restaurant_id,
        fact.amount,
        fact.revenue_amount,
        fact.generated_at,
        fact.refunded_at,
    ]


def _order_row(fact: OrderFact) -> Row:
    return [
        fact.order_id,
        fact.restaurant_id,
        fact.user_id,
        fact.order_type,
        fact.status,
        fact.total_amount,
        fact.placed_at,
        fact.updated_at,
        fact.version,
    ]


def _item_row(fact: OrderItemFact) -> Row:
    return [
        fact.item_id,
        fact.order_id,
        fact.restaurant_id,
        fact.food_id,
        fact.food_name,
        fact.quantity,
        fact.unit_price,
        fact.subtotal,
        fact.placed_at,
    ]


def _bill_row(fact: BillFact) -> Row:
    return [
        fact.bill_id,
        fact.order_id,
        fact.restaurant_id,
        fact.user_id,
        fact.subtotal,
        fact.tax_amount,
        fact.discount_amount,
        fact.tip_amount,
        fact.total_amount,
        fact.status,
        fact.payment_method,
        fact.generated_at,
        fact.paid_at,
        fact.updated_at,
        fact.version,
    ]


def _ticket_row(fact: TicketTimingFact) -> Row:
    return [
        fact.ticket_id,
        fact.order_id,
        fact.restaurant_id,
        fact.station,
        fact.new_at,
        fact.ready_at,
        fact.version,
    ]


def change_table_and_row(
    fact: VoidedItemFact | QuoteFact | ModifierFact,
) -> tuple[FactTable, Row]:
    """A voided item, quote or modifier fact as its table's row."""
    if isinstance(fact, ModifierFact):
        return MODIFIER_FACTS, [
            fact.item_id,
            fact.option_id,
            fact.order_id,
            fact.restaurant_id,
            fact.group_name,
            fact.name,
            fact.quantity,
            fact.revenue,
            fact.placed_at,
        ]
    if isinstance(fact, VoidedItemFact):
        return VOIDED_ITEM_FACTS, [
            fact.item_id,
            fact.order_id,
            fact.restaurant_id,
            fact.food_id,
            fact.food_name,
            fact.quantity,
            fact.unit_price,
            fact.subtotal,
            fact.placed_at,
        ]
    return QUOTE_FACTS, [
        fact.order_id,
        fact.restaurant_id,
        fact.placed_at,
        fact.quoted_ready_at,
        fact.ready_at,
    ]


def rows_by_table(facts: Sequence[AnalyticsFact]) -> dict[FactTable, list[Row]]:
    """Group a mixed batch into rows per table, keeping each table's facts in batch order.

    Only tables that receive rows appear. A value that is not a fact raises InvalidInput.
    """
    grouped: dict[FactTable, list[Row]] = {}
    for fact in facts:
        table, row = _table_and_row(fact)
        grouped.setdefault(table, []).append(row)
    return grouped


def _table_and_row(fact: object) -> tuple[FactTable, Row]:
    if isinstance(fact, OrderFact):
        return ORDER_FACTS, _order_row(fact)
    if isinstance(fact, OrderItemFact):
        return ORDER_ITEM_FACTS, _item_row(fact)
    if isinstance(fact, BillFact):
        return BILL_FACTS, _bill_row(fact)
    if isinstance(fact, TicketTimingFact):
        return TICKET_TIMING_FACTS, _ticket_row(fact)
    if isinstance(fact, PaymentFact | RefundFact):
        return money_table_and_row(fact)
    if isinstance(fact, VoidedItemFact | QuoteFact | ModifierFact):
        return change_table_and_row(fact)
    raise InvalidInput(f"not an analytics fact: {type(fact).__name__}")
