"""Keeping the roll-ups in few parts on the embedded engine.

Every batch the writer inserts makes one new part in each roll-up partition its views touch
(:mod:`restman_core.adapters.clickhouse.rollups`). A server merges them in the background; an
embedded session is held only while calls keep coming, and a closing session stops its merges
(:mod:`restman_core.adapters.clickhouse.sharing`), so the merges often do not finish and the
parts pile up. Reports pay for every part they read (measured on 3,000,000 values of a
percentile roll-up: the whole-history kitchen times query took about twice as long over 41
parts as over 12, one per month), and so does every session start, which loads each part.

:func:`compact_rollups` therefore runs after a batch, in the same engine call: a roll-up
partition holding more than :data:`MAX_PARTS` active parts is merged into one with
``OPTIMIZE ... PARTITION ... FINAL``. The cost is bounded: a roll-up partition is a month of
daily sums (a few tens of thousands of rows) or, for the percentile roll-ups, three narrow
columns of a month's values, and it is merged once per :data:`MAX_PARTS` batches that reach it.
A merge changes no figure: summing roll-ups hold sums that a merge adds up, the percentile
roll-ups keep every row. The fact tables are left to the engine's background merges: only the
writer's look-ups read them, and a month of items is too large to rewrite this often.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from restman_core.adapters.clickhouse.rollups import ROLLUPS

# Above this many active parts in one roll-up partition, the partition is merged into one.
MAX_PARTS = 4


def crowded_partitions(client: Client, database: str) -> list[tuple[str, str]]:
    """(roll-up, partition id) of every roll-up partition with more than :data:`MAX_PARTS`
    active parts."""
    rows = client.query(
        "SELECT table, partition_id FROM system.parts "
        "WHERE active AND database = {database:String} AND table IN {names:Array(String)} "
        "GROUP BY table, partition_id HAVING count() > {limit:UInt32}",
        parameters={
            "database": database,
            "names": [rollup.name for rollup in ROLLUPS],
            "limit": MAX_PARTS,
        },
    ).result_rows
    return [(str(table), str(partition)) for table, partition in rows]


def compact_rollups(client: Client, database: str) -> int:
    """Merge each crowded roll-up partition (see the module) into one part; how many were.
    A partition a background merge is already working on is skipped by the engine (no error),
    and taken up again after a later batch if still crowded."""
    crowded = crowded_partitions(client, database)
    for table, partition in crowded:
        # The partition id is the engine's own (digits of toYYYYMM), bound as a literal: DDL
        # takes no parameters.
        if not partition.isdigit():
            raise ValueError(f"unexpected partition id {partition!r} of {table}")
        client.command(f"OPTIMIZE TABLE {database}.{table} PARTITION ID '{partition}' FINAL")
    return len(crowded)
