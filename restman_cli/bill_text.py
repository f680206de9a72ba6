"""The whole bill as text for the terminal, every line at most 80 columns: the lines, then the
totals with one tax line per rate, discounts, service charge, split parts, payments, refunds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from restman_cli.output import printable

WIDTH = 80
AMOUNT = 10


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (an ellipsis marks the cut)."""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(label: str, amount: str) -> str:
    return f"{_fit(label, WIDTH - AMOUNT - 1):<{WIDTH - AMOUNT - 1}} {amount:>{AMOUNT}}"


def _percent(rate: str) -> str:
    value = float(rate) * 100
    return f"{value:g} %"


def bill_lines(bill: Mapping[str, Any]) -> list[str]:
    """The text of a bill view (``restman_core.views_billing.bill_book_view``)."""
    out = [
        _fit(f"Bill of order {bill['order_id']}", WIDTH),
        _fit(f"Status {bill['status']}    generated {bill['generated_at']}", WIDTH),
        "",
    ]
    for line in bill["lines"]:
        label = f"{line['quantity']:>3} × {line['name']} ({_percent(line['tax_rate'])})"
        out.append(_row(label, line["amount"]))
    out += ["-" * WIDTH, _row("Subtotal", bill["subtotal"])]
    for discount in bill["discounts"]:
        kind = f"{discount['value']} %" if discount["kind"] == "percent" else "amount"
        out.append(_row(f"Discount ({kind}): {discount['reason']}", f"-{discount['amount']}"))
    if bill["service_charge"] != "0.00":
        rate = _percent(bill["service_charge_rate"] or "0")
        out.append(_row(f"Service charge {rate} (not taxed)", bill["service_charge"]))
    included = " included" if bill["prices_include_tax"] else ""
    for tax in bill["taxes"]:
        label = f"Tax {_percent(tax['rate'])}{included} on {tax['taxable']}"
        out.append(_row(label, tax["amount"]))
    if bill["tip_amount"] != "0.00":
        out.append(_row("Tips", bill["tip_amount"]))
    out += [_row("Total", bill["total_amount"]), ""]
    if bill["parts"]:
        out.append(_fit(f"Split by {bill['split_by']}:", WIDTH))
        for part in bill["parts"]:
            label = f"  part {part['position']}  {part['status']}  paid {part['amount_paid']}"
            out.append(_row(label, part["amount"]))
    for payment in bill["payments"]:
        tip = f" + tip {payment['tip_amount']}" if payment["tip_amount"] != "0.00" else ""
        out.append(_row(f"Paid by {payment['payment_method']}{tip}", payment["amount"]))
    for refund in bill["refunds"]:
        out.append(_row(f"Refund: {refund['reason']}", f"-{refund['amount']}"))
    out += [
        _row("Amount paid", bill["amount_paid"]),
        _row("Refunded", bill["refunded_amount"]),
        _row("Amount due", bill["amount_due"]),
    ]
    return out
