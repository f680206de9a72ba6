"""Suite-wide settings: hypothesis runs without per-example deadlines (CI machines are shared
and timing is not what the properties are about)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("restman", deadline=None, max_examples=100)
settings.load_profile("restman")
