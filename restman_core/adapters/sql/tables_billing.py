"""Tables of a bill's entries: its discounts, split parts, payments and refunds, each row one
entry of :class:`restman_core.domain.bill_book.BillBook` (the bill itself is ``bills`` in
:mod:`restman_core.adapters.sql.tables`). Entries are written once and never changed; a
re-split replaces the parts."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, Text, Uuid

from restman_core.adapters.sql.metadata import UTCDateTime, metadata, money

bill_discounts = Table(
    "bill_discounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bill_id", Uuid, ForeignKey("bills.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("value", Numeric(12, 2), nullable=False),
    Column("amount", money(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("given_by", Uuid, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

bill_parts = Table(
    "bill_parts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bill_id", Uuid, ForeignKey("bills.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("amount", money(), nullable=False),
)

bill_payments = Table(
    "bill_payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bill_id", Uuid, ForeignKey("bills.id"), nullable=False, index=True),
    Column("part_id", Uuid, nullable=True),
    Column("method", String(10), nullable=False),
    Column("amount", money(), nullable=False),
    Column("tip", money(), nullable=False),
    Column("taken_by", Uuid, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

bill_refunds = Table(
    "bill_refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bill_id", Uuid, ForeignKey("bills.id"), nullable=False, index=True),
    Column("amount", money(), nullable=False),
    # The refunded order items' ids, comma-separated; empty for a refund by amount.
    Column("item_ids", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("given_by", Uuid, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The part of the amount that was sales (not tax or service charge), for revenue reports.
    Column("revenue_amount", money(), nullable=False),
)
