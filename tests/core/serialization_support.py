"""Counting the serialization rounds units of work lose to each other on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.failures import sqlstate


@contextmanager
def lost_rounds(database: SqlDatabase) -> Iterator[list[str]]:
    """The statements that failed with a serialization failure or a deadlock (SQLSTATE 40001,
    40P01) while the block ran, each a round some unit lost and ran again."""
    lost: list[str] = []

    def on_error(context: Any) -> None:
        if sqlstate(context.sqlalchemy_exception) in ("40001", "40P01"):
            lost.append(context.statement or "")

    engine = database.engine.sync_engine
    event.listen(engine, "handle_error", on_error)
    try:
        yield lost
    finally:
        event.remove(engine, "handle_error", on_error)
