"""Splitting a check: by items, into equal shares, or by amounts.

Every split answers the amounts of its parts, which sum to what is due to the cent. Equal shares
and item parts are worked out exactly, each rounded down to the cent, and the cents left over go
to the first part (10.00 in three: 3.34, 3.33, 3.33). A split has 2 to :data:`MAX_PARTS` parts,
and no part may be worth nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from restman_core.domain.bill_totals import BillLine, Totals, floor_cents, value_of_items
from restman_core.domain.money import ZERO, parse_money
from restman_core.errors import InvalidInput

MAX_PARTS = 50
SPLIT_KINDS = ("items", "equal", "amounts")


def _first_takes_the_rest(exact: Sequence[Decimal], due: Decimal) -> list[Decimal]:
    parts = [floor_cents(value) for value in exact]
    parts[0] += due - sum(parts, ZERO)
    return parts


def _check_count(count: int, field: str) -> None:
    if not 2 <= count <= MAX_PARTS:
        raise InvalidInput(
            f"A split has 2 to {MAX_PARTS} parts", details={"field": field, "parts": count}
        )


def _check_worth(parts: list[Decimal], field: str) -> list[Decimal]:
    if any(p <= 0 for p in parts):
        raise InvalidInput("Every part must be worth more than zero", details={"field": field})
    return parts


def split_equal(count: object, due: Decimal) -> list[Decimal]:
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidInput("parts must be a whole number", details={"field": "parts"})
    _check_count(count, "parts")
    return _check_worth(_first_takes_the_rest([due / count] * count, due), "parts")


def parse_item_groups(groups: object, lines: Sequence[BillLine]) -> list[frozenset[uuid.UUID]]:
    """Item-id groups that name every item of the order exactly once."""
    if not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups):
        raise InvalidInput(
            "parts must be a list of non-empty lists of item ids", details={"field": "parts"}
        )
    _check_count(len(groups), "parts")
    known = {line.item_id for line in lines}
    seen: list[uuid.UUID] = []
    parsed: list[frozenset[uuid.UUID]] = []
    for group in groups:
        ids: list[uuid.UUID] = []
        for raw in group:
            try:
                ids.append(uuid.UUID(str(raw)))
            except ValueError as exc:
                raise InvalidInput(
                    f"{raw!r} is not an item id", details={"field": "parts"}
                ) from exc
        seen.extend(ids)
        parsed.append(frozenset(ids))
    foreign = sorted(str(i) for i in seen if i not in known)
    if foreign:
        raise InvalidInput(
            f"Items not of this order: {', '.join(foreign)}",
            details={"field": "parts", "item_ids": foreign},
        )
    if len(seen) != len(set(seen)) or set(seen) != known:
        missing = sorted(str(i) for i in known - set(seen))
        raise InvalidInput(
            "Every item must be in exactly one part"
            + (f"; missing: {', '.join(missing)}" if missing else ""),
            details={"field": "parts", "item_ids": missing},
        )
    return parsed


def split_items(groups: object, lines: Sequence[BillLine], totals: Totals) -> list[Decimal]:
    parsed = parse_item_groups(groups, lines)
    exact = [value_of_items(lines, totals, group) for group in parsed]
    return _check_worth(_first_takes_the_rest(exact, totals.due), "parts")


def split_amounts(amounts: object, due: Decimal) -> list[Decimal]:
    if not isinstance(amounts, list):
        raise InvalidInput("amounts must be a list of amounts", details={"field": "amounts"})
    _check_count(len(amounts), "amounts")
    parsed = [parse_money(a, field="amounts", allow_zero=False) for a in amounts]
    if sum(parsed, ZERO) != due:
        raise InvalidInput(
            f"The parts do not cover the bill: they sum to {sum(parsed, ZERO):f}, "
            f"the amount due is {due:f}",
            details={"field": "amounts"},
        )
    return parsed


def split_parts(
    by: object, body: dict[str, object], lines: Sequence[BillLine], totals: Totals
) -> list[Decimal]:
    """The parts' amounts for a split request ``{by, parts|amounts}`` of a bill nothing has been
    paid on yet (what is due is ``totals.due``)."""
    due = totals.due
    if by == "equal":
        return split_equal(body.get("parts"), due)
    if by == "items":
        return split_items(body.get("parts"), lines, totals)
    if by == "amounts":
        return split_amounts(body.get("amounts"), due)
    raise InvalidInput(f"by must be one of {', '.join(SPLIT_KINDS)}", details={"field": "by"})
