"""Hypothesis settings of the property tests: no per-example deadline, because the suite shares
two cores with everything else and a slow example is not a wrong one."""

from __future__ import annotations

from hypothesis import settings

PROPERTY = settings(deadline=None, max_examples=150)
