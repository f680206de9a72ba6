"""Money: ``decimal.Decimal`` with exactly two places.

The rounding point is documented once, here: amounts entering the system (prices, tips) must
already have at most two places and are rejected otherwise; derived amounts (tax) are computed
exactly and rounded half-up to cents by :func:`round_cents` at the moment they are stored on a
bill. Nothing else rounds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from restman_core.errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# NUMERIC(12,2) columns hold up to this value; anything larger is refused as input, not a 500.
MAX_AMOUNT = Decimal("9999999999.99")


def round_cents(value: Decimal) -> Decimal:
    """Round ``value`` half-up to two places (2.598 -> 2.60, 2.595 -> 2.60, 2.594 -> 2.59)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value: object, *, field: str = "amount", allow_zero: bool = True) -> Decimal:
    """Parse a client-supplied amount (string, int or Decimal; floats via their repr).

    Raises :class:`InvalidInput` for non-numbers, NaN or infinity, negative values, more than two
    decimal places, or values beyond :data:`MAX_AMOUNT`. Returns the value with exactly two places.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number", details={"field": field})
    try:
        if isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, int | str | Decimal):
            amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
        else:
            raise InvalidInput(f"{field} must be a number", details={"field": field})
    except InvalidOperation as exc:
        raise InvalidInput(f"{field} must be a number", details={"field": field}) from exc
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be a finite number", details={"field": field})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(f"{field} must not be negative", details={"field": field})
    # The range check comes first: quantizing a huge value overflows the decimal context.
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"{field} is too large", details={"field": field})
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(CENT):
        raise InvalidInput(
            f"{field} must have at most two decimal places", details={"field": field}
        )
    # "-0" is zero: never let a negative zero reach a bill or a response.
    return amount.quantize(CENT) if amount else ZERO


def check_amount(value: Decimal, *, field: str = "amount") -> Decimal:
    """Refuse a derived amount (an order total, a bill total) that the NUMERIC(12,2) columns
    cannot hold, as InvalidInput rather than a storage failure."""
    if value > MAX_AMOUNT:
        raise InvalidInput(f"{field} is too large", details={"field": field})
    return value


def format_money(value: Decimal) -> str:
    """Render an amount as the contract's decimal string with exactly two places ("12.90");
    a negative zero renders as "0.00"."""
    return f"{value.quantize(CENT) if value else ZERO:f}"


def tax_for(subtotal: Decimal, rate: Decimal) -> Decimal:
    """Tax of ``subtotal`` at ``rate`` (0.10 for 10%), rounded half-up to cents.

    25.98 at 0.10 gives 2.60.
    """
    return round_cents(subtotal * rate)
