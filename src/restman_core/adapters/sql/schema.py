"""The complete schema: importing this module registers every table on ``metadata``."""

from __future__ import annotations

from restman_core.adapters.sql import tables
from restman_core.adapters.sql.metadata import metadata

__all__ = ["metadata", "tables"]
