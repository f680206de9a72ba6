"""Inline charts for terminal tables: proportional bars and sparklines (plain text)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

_BLOCKS = "▏▎▍▌▋▊▉█"
_SPARKS = "▁▂▃▄▅▆▇█"


def bar(value: float | Decimal, maximum: float | Decimal, width: int = 24) -> str:
    """A horizontal bar of ``value`` out of ``maximum``, at most ``width`` cells, drawn with
    eighth blocks so small differences still show."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = round(float(value) / float(maximum) * width * 8)
    full, rest = divmod(max(1, eighths), 8)
    return "█" * full + (_BLOCKS[rest - 1] if rest else "")


def sparkline(values: Sequence[float | Decimal]) -> str:
    """One character per value, its height scaled between the smallest and largest value
    (all equal values draw a flat line; no values draw nothing)."""
    if not values:
        return ""
    low, high = float(min(values)), float(max(values))
    span = high - low
    if span == 0:
        return _SPARKS[0 if high == 0 else 3] * len(values)
    return "".join(_SPARKS[round((float(v) - low) / span * (len(_SPARKS) - 1))] for v in values)
