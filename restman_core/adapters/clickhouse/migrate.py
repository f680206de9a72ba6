"""Bringing a store of the previous layout up to date when the adapter opens it.

The previous layout kept every delivery of a fact (ReplacingMergeTree, no ``sign``) and
deduplicated when reading. :func:`migrate_legacy_tables` renames each such table to
``<name>_layout1``, creates the current table, records every stored row again through the
normal write path (:func:`restman_core.adapters.clickhouse.writes.write_batch`), which keeps one
live row per fact, and drops the old table. Re-recording is idempotent, so a migration that was
interrupted resumes from the start of the old table and ends with the same rows.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from restman_core.adapters.clickhouse.schema import FACT_TABLES, LEGACY_SUFFIX, SIGN
from restman_core.adapters.clickhouse.writes import write_batch

CHUNK_ROWS = 20_000


def _columns_by_table(client: Client, database: str) -> dict[str, set[str]]:
    rows = client.query(
        "SELECT table, name FROM system.columns WHERE database = {database:String}",
        parameters={"database": database},
    ).result_rows
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(str(table), set()).add(str(column))
    return found


def rename_legacy_tables(client: Client, database: str) -> None:
    """Move every fact table of the previous layout aside (before the current ones are made)."""
    columns = _columns_by_table(client, database)
    for table in FACT_TABLES:
        present = columns.get(table.name)
        legacy = table.name + LEGACY_SUFFIX
        if present is not None and SIGN not in present and legacy not in columns:
            client.command(f"RENAME TABLE {database}.{table.name} TO {database}.{legacy}")


def migrate_legacy_tables(client: Client, database: str) -> int:
    """Record the rows of every moved-aside table into the current one, then drop it; the
    number of old rows read. Orders go first so items meet their order's status."""
    columns = _columns_by_table(client, database)
    read = 0
    for table in FACT_TABLES:
        legacy = table.name + LEGACY_SUFFIX
        if legacy not in columns:
            continue
        names = ", ".join(table.column_names)
        partitions = client.query(
            f"SELECT DISTINCT _partition_id FROM {database}.{legacy} ORDER BY 1"  # noqa: S608
        ).result_rows
        for (partition,) in partitions:
            rows = client.query(
                f"SELECT {names} FROM {database}.{legacy} "  # noqa: S608 - declared names only
                "WHERE _partition_id = {partition:String}",
                parameters={"partition": partition},
            ).result_rows
            for start in range(0, len(rows), CHUNK_ROWS):
                chunk = [list(row) for row in rows[start : start + CHUNK_ROWS]]
                write_batch(client, database, {table: chunk})
            read += len(rows)
        client.command(f"DROP TABLE {database}.{legacy}")
    return read
