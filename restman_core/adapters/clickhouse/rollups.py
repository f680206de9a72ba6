"""Daily roll-ups of the summed reports, kept by materialized views.

The writer stores every signed row exactly once (:mod:`restman_core.adapters.clickhouse.
writes`), so a materialized view, which sees each inserted row once, can sum ``sign * value``
into a small table per restaurant and UTC day without ever counting a fact twice: a redelivered
batch inserts nothing, and a superseded version arrives as its ``-1`` row. The reports that only
sum (top foods, orders by status, revenue and the discounts it is net of, payments per method,
top modifiers) read these tables instead of the facts: a few hundred rows per restaurant and
month instead of every item. A report's period is whole UTC days, so filtering a roll-up by
``day`` selects exactly the facts the fact tables' ``placed_at`` / ``generated_at`` range would.

Each summing roll-up is an ``AggregatingMergeTree`` (sums as ``SimpleAggregateFunction(sum)``,
the food's latest name as an ``argMax`` state), so rows of one key left unmerged are summed when
read; a key whose sums reach zero stays as a zero row, which the reports' ``HAVING`` drops.

Kitchen times and quote errors report exact percentiles, which need every value, not a sum.
Their roll-ups hold the values themselves, the duration in microseconds (the resolution of the
facts) computed once when written, sorted by restaurant, day and value, so a report reads
three narrow columns instead of both timestamps of every version of every ticket (a ticket that
reaches READY has three rows in ``ticket_timing_facts``: its first version, that version's
``-1`` and the READY one, and only the last has a duration). ``quote_error_daily`` is a plain
``MergeTree`` of one row per quote (written once). ``ticket_wait_values`` is a
``SummingMergeTree`` of live copies per distinct duration: a superseded READY version arrives
as its ``-1`` row with the same values and takes one copy away, so the live values are a
multiset, exact whatever the durations, and merges fold the superseded ones away (see
:data:`TICKET_WAITS` and :func:`restman_core.adapters.clickhouse.queries.kitchen_times_query`).
"""

from __future__ import annotations

from dataclasses import dataclass

from restman_core.adapters.clickhouse.schema import (
    BILL_FACTS,
    MODIFIER_FACTS,
    ORDER_FACTS,
    ORDER_ITEM_FACTS,
    PAYMENT_FACTS,
    QUOTE_FACTS,
    TICKET_TIMING_FACTS,
    VOIDED_ITEM_FACTS,
)

_SUM_MONEY = "SimpleAggregateFunction(sum, Decimal(38, 2))"
_SUM_COUNT = "SimpleAggregateFunction(sum, Int64)"
_LATEST = "AggregateFunction(argMax, String, DateTime64(6, 'UTC'))"


@dataclass(frozen=True, slots=True)
class Rollup:
    """A roll-up table (``columns`` after ``restaurant_id`` and ``day``, sorted by ``key``
    after them) and the views that fill it: one ``SELECT`` (with ``{db}`` for the database) per
    source table. With the default engine, and with ``SummingMergeTree``, each ``SELECT``
    groups its rows by the key columns; a ``MergeTree`` roll-up keeps every row its views
    select (one per value)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    views: tuple[tuple[str, str], ...]
    engine: str = "AggregatingMergeTree"

    def create_statement(self, database: str, name: str | None = None) -> str:
        columns = ",\n    ".join(
            f"{column} {kind}"
            for column, kind in (("restaurant_id", "UUID"), ("day", "Date"), *self.columns)
        )
        order_by = ", ".join(("restaurant_id", "day", *self.key))
        return (
            f"CREATE TABLE IF NOT EXISTS {database}.{name or self.name} (\n    {columns}\n)\n"
            f"ENGINE = {self.engine}\nPARTITION BY toYYYYMM(day)\nORDER BY ({order_by})"
        )

    def view_statements(self, database: str) -> list[str]:
        return [
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{view} TO "
            f"{database}.{self.name} AS {select.format(db=database)}"
            for view, select in self.views
        ]

    def backfill_statements(self, database: str, target: str) -> list[str]:
        """Fill ``target`` from the facts already stored, as the views would have."""
        columns = ", ".join(("restaurant_id", "day", *(name for name, _ in self.columns)))
        return [
            f"INSERT INTO {database}.{target} ({columns}) {select.format(db=database)}"
            for _, select in self.views
        ]


def _food_select(table: str, weight: str) -> str:
    return f"""
        SELECT restaurant_id, toDate(placed_at, 'UTC') AS day, food_id,
               sum({weight}) AS items,
               sum({weight} * quantity) AS quantity,
               CAST(sum({weight} * subtotal) AS Decimal(38, 2)) AS revenue,
               argMaxState(food_name, placed_at) AS latest_name
        FROM {{db}}.{table}
        GROUP BY restaurant_id, day, food_id
    """  # noqa: S608 - declared names only


# Items less voided items (weighted -1), as the top foods report counts them.
FOOD_DAILY = Rollup(
    name="food_daily",
    columns=(
        ("food_id", "UUID"),
        ("items", _SUM_COUNT),
        ("quantity", _SUM_COUNT),
        ("revenue", _SUM_MONEY),
        ("latest_name", _LATEST),
    ),
    key=("food_id",),
    views=(
        ("food_daily_items_mv", _food_select(ORDER_ITEM_FACTS.name, "toInt64(sign)")),
        ("food_daily_voids_mv", _food_select(VOIDED_ITEM_FACTS.name, "-toInt64(sign)")),
    ),
)

ORDER_STATUS_DAILY = Rollup(
    name="order_status_daily",
    columns=(("status", "LowCardinality(String)"), ("orders", _SUM_COUNT)),
    key=("status",),
    views=(
        (
            "order_status_daily_mv",
            f"""
            SELECT restaurant_id, toDate(placed_at, 'UTC') AS day, status,
                   sum(toInt64(sign)) AS orders
            FROM {{db}}.{ORDER_FACTS.name}
            GROUP BY restaurant_id, day, status
            """,  # noqa: S608 - declared names only
        ),
    ),
)

_BILL_SUMS = ("subtotal", "tax_amount", "tip_amount", "total_amount", "discount_amount")
_BILL_SELECT = ", ".join(f"CAST(sum(sign * {c}) AS Decimal(38, 2)) AS {c}" for c in _BILL_SUMS)
BILL_DAILY = Rollup(
    name="bill_daily",
    columns=(
        ("status", "LowCardinality(String)"),
        ("bills", _SUM_COUNT),
        *((column, _SUM_MONEY) for column in _BILL_SUMS),
    ),
    key=("status",),
    views=(
        (
            "bill_daily_mv",
            f"""
            SELECT restaurant_id, toDate(generated_at, 'UTC') AS day, status,
                   sum(toInt64(sign)) AS bills,
                   {_BILL_SELECT}
            FROM {{db}}.{BILL_FACTS.name}
            GROUP BY restaurant_id, day, status
            """,  # noqa: S608 - declared names only
        ),
    ),
)

PAYMENT_DAILY = Rollup(
    name="payment_daily",
    columns=(
        ("payment_method", "LowCardinality(String)"),
        ("payments", _SUM_COUNT),
        ("amount", _SUM_MONEY),
        ("tip_amount", _SUM_MONEY),
    ),
    key=("payment_method",),
    views=(
        (
            "payment_daily_mv",
            f"""
            SELECT restaurant_id, toDate(generated_at, 'UTC') AS day, payment_method,
                   sum(toInt64(sign)) AS payments,
                   CAST(sum(sign * amount) AS Decimal(38, 2)) AS amount,
                   CAST(sum(sign * tip_amount) AS Decimal(38, 2)) AS tip_amount
            FROM {{db}}.{PAYMENT_FACTS.name}
            GROUP BY restaurant_id, day, payment_method
            """,  # noqa: S608 - declared names only
        ),
    ),
)

# Options taken by items (weight sign: a cancelled order's rows carry their -1), as the top
# modifiers report counts them; names of the option's latest item.
MODIFIER_DAILY = Rollup(
    name="modifier_daily",
    columns=(
        ("option_id", "UUID"),
        ("options", _SUM_COUNT),
        ("taken", _SUM_COUNT),
        ("revenue", _SUM_MONEY),
        ("latest_group", _LATEST),
        ("latest_name", _LATEST),
    ),
    key=("option_id",),
    views=(
        (
            "modifier_daily_mv",
            f"""
            SELECT restaurant_id, toDate(placed_at, 'UTC') AS day, option_id,
                   sum(toInt64(sign)) AS options,
                   sum(sign * quantity) AS taken,
                   CAST(sum(sign * revenue) AS Decimal(38, 2)) AS revenue,
                   argMaxState(group_name, placed_at) AS latest_group,
                   argMaxState(name, placed_at) AS latest_name
            FROM {{db}}.{MODIFIER_FACTS.name}
            GROUP BY restaurant_id, day, option_id
            """,  # noqa: S608 - declared names only
        ),
    ),
)

# The live durations of tickets whose live version is READY, as a multiset: one row per
# (restaurant, day, station, duration) with its number of live copies, the sum of the signs of
# the READY versions that had it. A ticket recalled or readied again leaves a -1 beside its +1
# (the same values), which cancels one copy; a merge of the summing engine adds the copies of
# one key up and drops the keys that reach 0, so a superseded duration disappears once its two
# rows share a part (the view folds the pairs of one batch at once, compaction the rest). Rows
# with negative copies exist only until then: the report reads the days that have any apart
# (see :func:`restman_core.adapters.clickhouse.queries.kitchen_times_query`). "waited >= 0" as
# the report always had it (a clock step back must not give a negative time).
TICKET_WAITS = Rollup(
    name="ticket_wait_values",
    columns=(("station", "LowCardinality(String)"), ("waited", "Int64"), ("copies", "Int64")),
    key=("station", "waited"),
    views=(
        (
            "ticket_wait_values_mv",
            f"""
            SELECT restaurant_id, toDate(new_at, 'UTC') AS day, station,
                   toUnixTimestamp64Micro(assumeNotNull(ready_at))
                       - toUnixTimestamp64Micro(new_at) AS waited,
                   sum(toInt64(sign)) AS copies
            FROM {{db}}.{TICKET_TIMING_FACTS.name}
            WHERE ready_at IS NOT NULL AND waited >= 0
            GROUP BY restaurant_id, day, station, waited
            HAVING copies != 0
            """,  # noqa: S608 - declared names only
        ),
    ),
    engine="SummingMergeTree(copies)",
)

# One row per quote (quote facts are immutable and written once: every row is +1).
QUOTE_ERROR_DAILY = Rollup(
    name="quote_error_daily",
    columns=(("error", "Int64"), ("sign", "Int8")),
    key=("error",),
    views=(
        (
            "quote_error_daily_mv",
            f"""
            SELECT restaurant_id, toDate(placed_at, 'UTC') AS day,
                   toUnixTimestamp64Micro(ready_at) - toUnixTimestamp64Micro(quoted_ready_at)
                       AS error,
                   sign
            FROM {{db}}.{QUOTE_FACTS.name}
            """,  # noqa: S608 - declared names only
        ),
    ),
    engine="MergeTree",
)

ROLLUPS = (
    FOOD_DAILY,
    ORDER_STATUS_DAILY,
    BILL_DAILY,
    PAYMENT_DAILY,
    MODIFIER_DAILY,
    TICKET_WAITS,
    QUOTE_ERROR_DAILY,
)
_BUILDING = "_building"
# Roll-ups of earlier layouts, dropped when the store is opened (views first, so that nothing
# writes into a table being dropped): ``ticket_wait_daily`` kept one signed row per READY
# version, which every report had to net out by reading all of them
# (:data:`TICKET_WAITS` replaced it).
RETIRED = (("VIEW", "ticket_wait_daily_mv"), ("TABLE", "ticket_wait_daily"))


def rollup_statements(existing: set[str], database: str) -> list[str]:
    """The statements that bring the roll-ups of ``database`` up to date, given the names of
    its ``existing`` tables: a roll-up that is missing is built under a temporary name from
    the stored facts, renamed into place and only then given its views (nothing else writes
    meanwhile on the embedded engine, whose call holds the store's lock); views that are
    missing are created; :data:`RETIRED` ones are dropped. Safe to repeat."""
    statements = [f"DROP {kind} IF EXISTS {database}.{name}" for kind, name in RETIRED]
    for rollup in ROLLUPS:
        if rollup.name not in existing:
            building = rollup.name + _BUILDING
            statements += [
                f"DROP TABLE IF EXISTS {database}.{building}",
                rollup.create_statement(database, building),
                *rollup.backfill_statements(database, building),
                f"RENAME TABLE {database}.{building} TO {database}.{rollup.name}",
            ]
        statements += rollup.view_statements(database)
    return statements
