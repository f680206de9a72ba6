"""Rate limits: a sliding-window counter. Each bucket keeps one counter per fixed window; a hit is
admitted when the previous window's count, weighted by how much of it still overlaps the sliding
window, plus the current count plus this hit stays within the limit. Refused hits are not
counted, so hammering a bucket cannot extend its own penalty. Arithmetic is in whole
milliseconds so the Redis script and the SQL statements decide exactly as this module does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether a hit was admitted, and if not how many seconds to wait."""

    allowed: bool
    retry_after: int = 0


def window_position(now: datetime, window_seconds: int) -> tuple[int, int, int]:
    """``(window index, milliseconds elapsed in it, window length in milliseconds)``."""
    window_ms = window_seconds * 1000
    # Integer arithmetic: float timestamps can land a millisecond off a window boundary.
    epoch_ms = (now - _EPOCH) // timedelta(milliseconds=1)
    return epoch_ms // window_ms, epoch_ms % window_ms, window_ms


def max_count_after_hit(limit: int, previous: int, window_ms: int, elapsed_ms: int) -> int:
    """The largest current-window count (after this hit) that keeps the bucket within limit."""
    return (limit * window_ms - previous * (window_ms - elapsed_ms)) // window_ms


def admits(limit: int, previous: int, current: int, window_ms: int, elapsed_ms: int) -> bool:
    """Whether one more hit fits: previous*(W-e)/W + current + 1 <= limit."""
    return current + 1 <= max_count_after_hit(limit, previous, window_ms, elapsed_ms)


def retry_after(limit: int, previous: int, current: int, window_ms: int, elapsed_ms: int) -> int:
    """Whole seconds (at least 1) until one more hit would be admitted, assuming no other hits
    arrive meanwhile."""
    if current + 1 <= limit and previous > 0:
        # Wait for the previous window's weight to decay enough within this window.
        needed = window_ms - (limit - current - 1) * window_ms / previous
        wait_ms = needed - elapsed_ms
    else:
        # Wait for the next window, where this window's count becomes the decaying one.
        later = window_ms - (limit - 1) * window_ms / current if current else 0.0
        wait_ms = (window_ms - elapsed_ms) + max(0.0, later)
    return max(1, math.ceil(wait_ms / 1000))


def rate_decision(
    allowed: bool, limit: int, previous: int, current: int, window_ms: int, elapsed_ms: int
) -> RateDecision:
    """The decision an adapter reports after it admitted or refused a hit atomically."""
    if allowed:
        return RateDecision(True)
    return RateDecision(False, retry_after(limit, previous, current, window_ms, elapsed_ms))
