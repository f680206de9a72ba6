"""The SQL truth analytics facts are derived from, read a batch at a time (``restman analytics
rebuild``). Rows come as mappings shaped like the event payloads the facts are normally built
from (an order carries its ``items``, its current ``status`` and ``updated_at``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal, Protocol

TruthKind = Literal["orders", "bills", "tickets", "payments", "refunds"]


class AnalyticsTruth(Protocol):
    async def batch(
        self, kind: TruthKind, after: uuid.UUID | None, limit: int
    ) -> list[Mapping[str, Any]]:
        """At most ``limit`` rows of ``kind`` with an id above ``after``, by id. Unavailable on
        an outage."""
        ...
