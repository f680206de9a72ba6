"""The bare peers RestMan is measured against: small ASGI apps on uvicorn, one worker, no access
log (the settings ``restman serve`` uses).

    python bench/peers.py get --port 8101                      # GET / -> {"ok": true}
    python bench/peers.py sqlite --port 8102 --database FILE   # POST / inserts one row, commits
    python bench/peers.py postgres --port 8103 --database postgresql://...

``get`` is the framework's ceiling: a Litestar route returning a small JSON. ``sqlite`` and
``postgres`` are the hand-written one-row-commit POST: Litestar, SQLAlchemy async (aiosqlite or
psycopg), one ``INSERT`` and a ``COMMIT`` per request. The SQLite file uses the durability
RestMan uses (WAL, ``synchronous=NORMAL``, ``busy_timeout=5000``).
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn
from litestar import Litestar, get, post
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, event, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

KINDS = ("get", "sqlite", "postgres")
metadata = MetaData()
rows = Table(
    "bench_rows",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@get("/")
async def ceiling() -> dict[str, bool]:
    return {"ok": True}


def _sqlite_engine(path: str) -> AsyncEngine:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", pool_size=10, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def _postgres_engine(url: str) -> AsyncEngine:
    target = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_async_engine(target, pool_size=10, max_overflow=10)


def one_row_app(engine: AsyncEngine) -> Litestar:
    """POST / inserts the request body as one row and commits; 201 with the row id."""

    @post("/")
    async def insert_one(data: dict[str, Any]) -> dict[str, str]:
        row_id = str(uuid.uuid4())
        async with engine.begin() as conn:
            await conn.execute(
                insert(rows).values(id=row_id, body=str(data), created_at=datetime.now(UTC))
            )
        return {"id": row_id}

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(route_handlers=[insert_one], lifespan=[lifespan])


def build(kind: str, database: str | None) -> Litestar:
    if kind == "get":
        return Litestar(route_handlers=[ceiling])
    if not database:
        raise SystemExit(f"{kind} needs --database")
    engine = _sqlite_engine(database) if kind == "sqlite" else _postgres_engine(database)
    return one_row_app(engine)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A bare peer for the benchmark.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="SQLite file path or postgresql:// URL")
    args = parser.parse_args(argv)
    uvicorn.run(
        build(args.kind, args.database),
        host="127.0.0.1",
        port=args.port,
        workers=None,
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
