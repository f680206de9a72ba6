"""The kitchen queue's simulation in SQL: when each station is done with what it has queued.

The quote model (:func:`restman_core.domain.quotes.stations_done`) folds the queue in Python:
at each station every ticket starts when it is due or when the one before it is done,
whichever is later, and takes its prep time, so a station's finish follows ``f = max(f,
start) + prep`` ticket by ticket. That recurrence has a closed form, the latest of ``start_k
+ (prep_k + ... + prep_n)`` over the station's tickets k, which one statement computes with
window functions: the queue's oldest tickets (the same rows, in the same order, as
``queued_work``), each ticket placed in its station's queue behind the tickets of the orders
that arrived first (an order's tickets stay together, as the fold serves them), scheduled
tickets not due yet left out, and per station the maximum over its tickets of their due time
plus the prep of every ticket from it to the end of the queue. A placement reads one row per
station instead of up to ``QUEUE_LIMIT`` tickets; a requote reads each order's ready time
(:func:`ready_times`, the fold's ``queue_ready_times``), one row per order.

Times are whole microseconds since the epoch (exact integers on every dialect, so the answer
is the fold's to the microsecond): SQLite keeps timestamps as text (``YYYY-MM-DD
HH:MM:SS.ffffff``), PostgreSQL and CockroachDB as ``timestamptz``.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Uuid,
    bindparam,
    case,
    cast,
    func,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from restman_core.adapters.sql.tables import kitchen_tickets, orders
from restman_core.domain.kitchen import TicketStatus

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COOKING = tuple(str(s) for s in (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS))


class epoch_micros(FunctionElement[int]):  # noqa: N801 (a SQL function's name)
    """A timestamp column as whole microseconds since the epoch, an exact integer."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_micros, "sqlite")
def _sqlite_micros(element: epoch_micros, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    text = compiler.process(value, **kw)
    # strftime('%s') is the whole seconds; characters 21-26 are the microseconds.
    return (
        f"(CAST(strftime('%s', {text}) AS INTEGER) * 1000000"
        f" + CAST(substr({text}, 21, 6) AS INTEGER))"
    )


@compiles(epoch_micros)
def _postgres_micros(element: epoch_micros, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    text = compiler.process(value, **kw)
    # Whole seconds, then the microseconds field: both exact integers even where EXTRACT
    # answers a float (CockroachDB), which a timestamp's full epoch microseconds would not be.
    return (
        f"(CAST(EXTRACT(EPOCH FROM date_trunc('second', {text})) AS BIGINT) * 1000000"
        f" + mod(CAST(EXTRACT(MICROSECONDS FROM {text}) AS BIGINT), 1000000))"
    )


def micros_of(moment: datetime) -> int:
    """``moment`` (aware) as whole microseconds since the epoch."""
    return (moment - EPOCH) // timedelta(microseconds=1)


async def stations_done(
    conn: AsyncConnection, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> dict[str, datetime]:
    """When each station of the restaurant is done with its queue, simulated from its oldest
    ``limit`` cooking tickets (NEW, ACCEPTED, IN_PROGRESS, not held) as the fold does (see the
    module docstring). A station with nothing in the queue at ``now`` is absent."""
    done, _ = await stations_done_until(conn, restaurant_id, limit, now)
    return done


async def stations_done_until(
    conn: AsyncConnection, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> tuple[dict[str, datetime], datetime | None]:
    """:func:`stations_done`, and the earliest moment after ``now`` at which the answer could
    change with no write to the tickets: when the first scheduled ticket of the queue not due
    at ``now`` becomes due (None when there is none). Until then, on the same data, the answer
    holds for any later ``now``."""
    params = {"restaurant_id": restaurant_id, "limit": limit, "now": micros_of(now)}
    rows = await conn.execute(_statement(), params)
    done: dict[str, datetime] = {}
    pending: list[int] = []
    for station, end, due in rows:
        if end is not None:
            done[station] = EPOCH + timedelta(microseconds=int(end))
        if due is not None:
            pending.append(int(due))
    return done, EPOCH + timedelta(microseconds=min(pending)) if pending else None


async def ready_times(
    conn: AsyncConnection, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> dict[uuid.UUID, datetime]:
    """When each order with tickets among the restaurant's oldest ``limit`` cooking tickets is
    done, as :func:`restman_core.domain.quotes.queue_ready_times` folds them: one row per
    order is read (see :func:`_ready_statement`)."""
    params = {"restaurant_id": restaurant_id, "limit": limit, "now": micros_of(now)}
    rows = await conn.execute(_ready_statement(), params)
    return {order_id: EPOCH + timedelta(microseconds=int(end)) for order_id, end in rows}


def _placed() -> Any:
    """Every ticket of the queue with its station, prep, due time, whether it holds the
    station up at ``now`` (``counts``), its place and its order's place (a fresh subquery)."""
    t = kitchen_tickets.c
    # The oldest cooking tickets first, plain columns only: what follows is computed for
    # those rows alone. Taken per status and merged: each status's oldest come in order from
    # the (restaurant, status, created_at) index, where one ORDER BY over the three statuses
    # would sort every ticket the kitchen has queued.
    limit = bindparam("limit", type_=Integer())
    columns = (t.id, t.order_id, t.station, t.prep_seconds, t.fire_at, t.created_at)
    per_status = [
        select(*columns)
        .where(
            t.restaurant_id == bindparam("restaurant_id", type_=Uuid()),
            t.status == status,
            t.held.is_(False),
        )
        .order_by(t.created_at, t.id)
        .limit(limit)
        .subquery(f"s{n}")
        for n, status in enumerate(COOKING)
    ]
    merged = union_all(*(select(*part.c) for part in per_status)).subquery("merged")
    oldest = (
        select(*merged.c).order_by(merged.c.created_at, merged.c.id).limit(limit).subquery("oldest")
    )
    o = oldest.c
    scheduled = (
        select(orders.c.pickup_at.is_not(None)).where(orders.c.id == o.order_id).scalar_subquery()
    )
    queue = select(
        o.order_id,
        o.station,
        cast(o.prep_seconds, BigInteger).label("prep"),
        epoch_micros(func.coalesce(o.fire_at, o.created_at)).label("due"),
        scheduled.label("scheduled"),
        func.row_number().over(order_by=(o.created_at, o.id)).label("pos"),
    ).subquery("queue")
    q = queue.c
    # An order is served where its first ticket arrived; computed before scheduled tickets
    # not due yet are left out, since they count for that place too.
    counts = or_(not_(q.scheduled), q.due <= bindparam("now", type_=BigInteger()))
    return select(
        q.order_id,
        q.station,
        q.prep,
        q.due,
        counts.label("counts"),
        q.pos,
        func.min(q.pos).over(partition_by=q.order_id).label("order_pos"),
    ).subquery("placed")


@functools.cache
def _statement() -> Select[Any]:
    """The stations' finish, built once: its construction and cache key cost more than
    running it."""
    p = _placed().c
    # The prep of the tickets that count from this one to the end of the station's queue; a
    # ticket that does not count yet (scheduled, not due) adds nothing, and its due time is
    # the answer's expiry (see stations_done_until).
    rest: ColumnElement[Any] = func.sum(case((p.counts, p.prep), else_=0)).over(
        partition_by=p.station, order_by=(p.order_pos, p.pos), rows=(0, None)
    )
    ends = select(
        p.station,
        case((p.counts, p.due + rest * 1_000_000)).label("end"),
        case((not_(p.counts), p.due)).label("pending"),
    ).subquery("ends")
    e = ends.c
    return select(e.station, func.max(e.end), func.min(e.pending)).group_by(e.station)


@functools.cache
def _ready_statement() -> Select[Any]:
    """Each order's ready time, built once. A ticket is done at ``max(F, due) + prep``, where
    ``F`` is when its station is done with the orders served before its own (an order's tickets
    at one station cook side by side). With ``C`` the running sum of the prep of the tickets
    that hold the station up, in serving order, ``F`` is the latest ``due_k - C_k + prep_k``
    over those tickets k of earlier orders, plus the sum of their prep: both are windows over the
    earlier orders' places (orders' places are distinct integers, so ``1 PRECEDING`` ends the
    frame at the order before). A ticket that holds nobody up still has its own time."""
    p = _placed().c
    held = case((p.counts, p.prep), else_=0)
    running = func.sum(held).over(
        partition_by=p.station, order_by=(p.order_pos, p.pos), rows=(None, 0)
    )
    summed = select(
        p.order_id,
        p.station,
        p.prep,
        p.due,
        p.order_pos,
        held.label("held"),
        case((p.counts, p.due - running * 1_000_000 + p.prep * 1_000_000)).label("lead"),
    ).subquery("summed")
    s = summed.c
    earlier = (
        func.max(s.lead).over(partition_by=s.station, order_by=s.order_pos, range_=(None, -1))
        + func.sum(s.held).over(partition_by=s.station, order_by=s.order_pos, range_=(None, -1))
        * 1_000_000
    )
    free = earlier.label("free")
    frees = select(s.order_id, s.prep, s.due, free).subquery("frees")
    f = frees.c
    start = case((f.free.is_not(None) & (f.free > f.due), f.free), else_=f.due)
    done = (start + f.prep * 1_000_000).label("done")
    return select(f.order_id, func.max(done)).group_by(f.order_id)
