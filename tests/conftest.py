"""Suite-wide settings and guards.

- Hypothesis runs without per-example deadlines: CI machines are shared, and timing is not what
  the properties are about.
- A process the suite started that is still alive when the run ends fails the run
  (:mod:`tests.support.leak_guard`).
"""

from __future__ import annotations

from hypothesis import settings

from tests.support.leak_guard import pytest_configure, pytest_sessionfinish

__all__ = ["pytest_configure", "pytest_sessionfinish"]

settings.register_profile("restman", deadline=None, max_examples=100)
settings.load_profile("restman")
