"""A bill's amounts from its lines: discounts before tax, one tax line per rate, service charge.

Where rounding happens (each rounding is half-up to the cent, and happens once):

- a percent discount is rounded when it is given (:func:`percent_of`);
- a discount is spread over the rate lines in proportion to their bases: each share is rounded
  *down* to the cent and the cents left over go one each to the rate lines with the largest base
  (ties: the higher rate first), so the shares always sum to the discount (:func:`allocate`);
- tax is computed per rate line on the discounted base and rounded once per line: on top of the
  base (``taxable × rate``) or, when prices include tax (VAT style), taken out of it
  (``gross × rate / (1 + rate)``, the taxable amount being what is left);
- the service charge is ``rate × (subtotal − discounts)``, rounded once. It is its own line and is
  **not taxed** (a discretionary service charge is outside the tax base in most VAT systems).

The total a guest owes (before tips) is ``subtotal − discounts + service charge`` plus the tax
lines when prices exclude tax; when prices include tax it is ``subtotal − discounts + service
charge`` and the tax lines only say how much of it is tax.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from restman_core.domain.modifiers import ChosenModifier
from restman_core.domain.money import CENT, ZERO, round_cents


@dataclass(frozen=True, slots=True)
class BillLine:
    """One order item as the bill sees it: price × quantity as placed (its modifiers' prices
    included), at the tax rate snapshot on the item when the order was placed, and the
    modifiers it was placed with, so the bill names them."""

    item_id: uuid.UUID
    name: str
    quantity: int
    amount: Decimal
    tax_rate: Decimal
    modifiers: tuple[ChosenModifier, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxLine:
    rate: Decimal
    taxable: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    service_charge: Decimal
    taxes: tuple[TaxLine, ...]
    due: Decimal
    """What the guest owes before tips."""

    @property
    def tax_amount(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)


def floor_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` split in proportion to ``weights``: shares rounded down to the cent, the cents
    left over one each to the largest weights (ties: the earlier one). The shares sum to
    ``amount`` exactly; all weights zero gives everything to the first."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    if whole == 0:
        return [amount] + [ZERO] * (len(weights) - 1)
    shares = [floor_cents(amount * w / whole) for w in weights]
    left = int((amount - sum(shares, ZERO)) / CENT)
    by_weight = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    for i in by_weight[:left]:
        shares[i] += CENT
    return shares


def percent_of(subtotal: Decimal, percent: Decimal) -> Decimal:
    """A percent discount as an amount: ``subtotal × percent / 100`` rounded half-up."""
    return round_cents(subtotal * percent / 100)


def _rate_groups(lines: Sequence[BillLine]) -> list[tuple[Decimal, Decimal]]:
    """(rate, base) per distinct rate, higher rate first."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.tax_rate] = bases.get(line.tax_rate, ZERO) + line.amount
    return sorted(bases.items(), key=lambda kv: -kv[0])


def compute_totals(
    lines: Sequence[BillLine],
    *,
    discount: Decimal,
    prices_include_tax: bool,
    service_charge_rate: Decimal | None,
) -> Totals:
    """The bill's amounts (see the module's rounding rules). ``discount`` must not exceed the
    subtotal; callers check it when a discount is given."""
    subtotal = sum((line.amount for line in lines), ZERO)
    groups = _rate_groups(lines)
    shares = allocate(discount, [base for _, base in groups])
    taxes: list[TaxLine] = []
    for (rate, base), share in zip(groups, shares, strict=True):
        net = base - share
        if prices_include_tax:
            tax = round_cents(net * rate / (1 + rate))
            taxes.append(TaxLine(rate, net - tax, tax))
        else:
            taxes.append(TaxLine(rate, net, round_cents(net * rate)))
    taxes.sort(key=lambda t: t.rate)
    service = (
        round_cents((subtotal - discount) * service_charge_rate) if service_charge_rate else ZERO
    )
    due = subtotal - discount + service
    if not prices_include_tax:
        due += sum((t.amount for t in taxes), ZERO)
    return Totals(subtotal, discount, service, tuple(taxes), due)


def value_of_items(
    lines: Sequence[BillLine], totals: Totals, items: set[uuid.UUID] | frozenset[uuid.UUID]
) -> Decimal:
    """What the given lines are worth of ``totals.due``, exactly (not rounded): their share of
    each rate line's discounted base and tax, and of the service charge, in proportion to their
    price. Rounded by the caller (split parts, refunds by items)."""
    if totals.subtotal == 0:
        return ZERO
    value = ZERO
    for tax in totals.taxes:
        base = sum((line.amount for line in lines if line.tax_rate == tax.rate), ZERO)
        mine = sum(
            (line.amount for line in lines if line.tax_rate == tax.rate and line.item_id in items),
            ZERO,
        )
        if base == 0:
            continue
        # Taxable plus tax is the line's share of what is owed, whichever way tax is counted.
        value += (tax.taxable + tax.amount) * mine / base
    price = sum((line.amount for line in lines if line.item_id in items), ZERO)
    return value + totals.service_charge * price / totals.subtotal


def sales_of_items(
    lines: Sequence[BillLine],
    totals: Totals,
    prices_include_tax: bool,
    items: set[uuid.UUID] | frozenset[uuid.UUID],
) -> Decimal:
    """What the given lines are worth in sales (their prices less their share of each rate
    line's discount; tax and service charge left out), exactly. A refund of items takes this
    much off net sales."""
    value = ZERO
    for tax in totals.taxes:
        base = sum((line.amount for line in lines if line.tax_rate == tax.rate), ZERO)
        mine = sum(
            (line.amount for line in lines if line.tax_rate == tax.rate and line.item_id in items),
            ZERO,
        )
        if base:
            # Net sales are the prices: the taxable amount, plus the tax when it is included.
            net = tax.taxable + tax.amount if prices_include_tax else tax.taxable
            value += net * mine / base
    return value
