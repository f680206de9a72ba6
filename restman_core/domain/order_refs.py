"""Order references as operators type them: a full id, or a short order number.

The short number is the id's first six hex digits, upper case (``B408E2``, see
:attr:`restman_core.domain.orders.Order.number`); any hex prefix of at least
:data:`MIN_PREFIX` digits is accepted, in either case, dashes ignored. A prefix names the ids
between ``prefix000…`` and ``prefixfff…``: a range that storage finds through its primary key.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from restman_core.errors import InvalidInput

MIN_PREFIX = 4
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Either one exact id, or the inclusive range of ids a prefix names."""

    exact: uuid.UUID | None
    low: uuid.UUID
    high: uuid.UUID
    text: str


def parse_order_ref(text: str) -> OrderRef:
    """An order id or short number; anything else is InvalidInput."""
    digits = text.strip().replace("-", "").lower()
    if len(digits) == 32 and _HEX.fullmatch(digits):
        exact = uuid.UUID(digits)
        return OrderRef(exact, exact, exact, text.strip())
    if not (MIN_PREFIX <= len(digits) < 32 and _HEX.fullmatch(digits)):
        raise InvalidInput(
            f"{text.strip()!r} is neither an order id nor an order number (like B408E2)",
            details={"field": "order"},
        )
    low = uuid.UUID(digits.ljust(32, "0"))
    high = uuid.UUID(digits.ljust(32, "f"))
    return OrderRef(None, low, high, text.strip().upper())
