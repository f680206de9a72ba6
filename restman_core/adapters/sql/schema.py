"""The complete schema: importing this module registers every table on ``metadata``."""

from __future__ import annotations

from restman_core.adapters.sql import auth_state_tables, dead_letters, tables
from restman_core.adapters.sql.metadata import metadata

__all__ = ["auth_state_tables", "dead_letters", "metadata", "tables"]
