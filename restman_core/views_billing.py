"""The whole bill as ``GET /api/billing/orders/{id}`` shows it: the bill's fields
(:func:`restman_core.views.bill_view`) plus its lines, tax lines, discounts, split parts,
payments and refunds. Every money route answers this shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from restman_core.domain.bill_book import BillBook, Discount, Part, Payment, Refund
from restman_core.domain.clock import format_timestamp
from restman_core.domain.money import format_money
from restman_core.menu_views import chosen_views, line_label
from restman_core.views import bill_view

Json = dict[str, Any]


def rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}" if rate else "0"


def discount_view(d: Discount) -> Json:
    return {
        "id": str(d.id),
        "kind": str(d.kind),
        "value": format_money(d.value),
        "amount": format_money(d.amount),
        "reason": d.reason,
        "given_by": str(d.given_by),
        "created_at": format_timestamp(d.created_at),
    }


def payment_view(p: Payment) -> Json:
    return {
        "id": str(p.id),
        "part_id": str(p.part_id) if p.part_id else None,
        "payment_method": str(p.method),
        "amount": format_money(p.amount),
        "tip_amount": format_money(p.tip),
        "taken_by": str(p.taken_by),
        "created_at": format_timestamp(p.created_at),
    }


def refund_view(r: Refund) -> Json:
    return {
        "id": str(r.id),
        "amount": format_money(r.amount),
        "revenue_amount": format_money(r.revenue_amount),
        "item_ids": [str(i) for i in r.item_ids],
        "reason": r.reason,
        "given_by": str(r.given_by),
        "created_at": format_timestamp(r.created_at),
    }


def part_view(book: BillBook, part: Part) -> Json:
    """A split part: what it is worth, what was paid on it, what is left, and its status
    (PENDING, PARTIALLY_PAID or PAID)."""
    paid = book.part_paid(part.id)
    status = "PAID" if paid == part.amount else "PARTIALLY_PAID" if paid else "PENDING"
    return {
        "id": str(part.id),
        "position": part.position + 1,
        "amount": format_money(part.amount),
        "amount_paid": format_money(paid),
        "amount_due": format_money(part.amount - paid),
        "status": status,
    }


def bill_book_view(book: BillBook) -> Json:
    totals = book.totals()
    view = bill_view(book.bill)
    view.update(
        {
            "service_charge_rate": (
                rate_text(book.bill.service_charge_rate) if book.bill.service_charge_rate else None
            ),
            "lines": [
                {
                    "item_id": str(line.item_id),
                    # The food's name with its modifiers: "Coffee (Large +0.50, Oat milk +0.40)".
                    "name": line_label(line.name, line.modifiers),
                    "modifiers": chosen_views(line.modifiers),
                    "quantity": line.quantity,
                    "amount": format_money(line.amount),
                    "tax_rate": rate_text(line.tax_rate),
                }
                for line in book.lines
            ],
            "taxes": [
                {
                    "rate": rate_text(t.rate),
                    "taxable": format_money(t.taxable),
                    "amount": format_money(t.amount),
                }
                for t in totals.taxes
            ],
            "discounts": [discount_view(d) for d in book.discounts],
            "split_by": book.bill.split_by,
            "parts": [part_view(book, p) for p in book.parts],
            "payments": [payment_view(p) for p in book.payments],
            "refunds": [refund_view(r) for r in book.refunds],
        }
    )
    return view
