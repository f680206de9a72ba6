"""How a listing fits a terminal: which columns a table shows, in which order, and how cells
are shortened (JSON and CSV are never touched by any of this).

Without ``--wide``: columns marked ``wide`` are left out; names and other text come first and
ids last; ids (``id`` and ``*_id`` keys) are printed whole, never wrapped or cut; timestamps
(``*_at`` keys) are shown as relative times ("3 min ago"); any other text longer than its
column's ``max_width`` (default :data:`TEXT_WIDTH`) ends with an ellipsis. With ``--wide``:
every column, in the listed order, every value in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

TEXT_WIDTH = 22
"""The default width a text column is cut to in a table without --wide."""
ID_WIDTH = 36

WideOption = Annotated[
    bool,
    typer.Option("--wide", "-w", help="Tables: every column and every value in full."),
]


def is_id(key: str) -> bool:
    """Whether a column holds ids that people copy (printed whole, placed last)."""
    return key == "id" or key.endswith("_id")


def is_time(key: str) -> bool:
    """Whether a column holds ISO 8601 timestamps (shown relative to now)."""
    return key.endswith("_at")


def relative_time(value: Any, now: datetime | None = None) -> str:
    """An ISO 8601 timestamp as people say it: "just now", "3 min ago", "5 h ago", "2 d ago",
    "in 4 min"; beyond 30 days the date alone. A value that is not a timestamp is unchanged."""
    if value is None:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    ahead = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            if unit == "d" and seconds > 30 * 86_400:
                return moment.date().isoformat()
            amount = round(seconds / size)
            return f"in {amount} {unit}" if ahead else f"{amount} {unit} ago"
    return "just now"


def table_order(keys: Sequence[str]) -> list[int]:
    """The positions of ``keys`` as a narrow table shows them: everything else, then ids."""
    return [i for i, k in enumerate(keys) if not is_id(k)] + [
        i for i, k in enumerate(keys) if is_id(k)
    ]


MIN_TEXT_WIDTH = 5
"""No text column is cut below this (an ellipsis needs something before it)."""


def fit_widths(natural: Sequence[int], whole: Sequence[bool], available: int) -> list[int] | None:
    """Column widths whose table (borders and padding included) fits ``available`` cells: the
    widest shrinkable column gives one cell at a time; ``whole`` columns never shrink. None when
    even the narrowest layout does not fit (the caller then leaves a column out)."""
    widths = list(natural)
    overhead = 3 * len(widths) + 1
    floors = [w if keep else min(w, MIN_TEXT_WIDTH) for w, keep in zip(widths, whole, strict=True)]
    while sum(widths) + overhead > available:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            return None
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths
