"""Conditions the pipeline tests wait on."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from restman_core.adapters.sql.tables import consumer_positions, outbox
from restman_core.bootstrap import Platform
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.services.pipeline import CONSUMERS, Workers
from tests.pipeline.world import (
    World,
    assert_exact_tickets_and_bills,
    cook,
    order_status,
    rows,
    tickets_and_bills_problems,
)
from tests.support.services import wait_for


def mails(platform: Platform) -> list[Path]:
    """The .eml files the embedded mailer wrote."""
    folder = platform.settings.mail_outbox_dir
    return sorted(folder.glob("*.eml")) if folder.exists() else []


async def unpublished(platform: Platform) -> int:
    """How many outbox rows the relay has not published yet."""
    [(count,)] = await rows(
        platform, select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )
    return int(count)


async def embedded_lag(platform: Platform) -> dict[str, int]:
    """How far behind the end of the log each embedded consumer is, with the unpublished rows
    under ``"unpublished"``; empty when everything is published and read."""
    [(last,)] = await rows(platform, select(func.max(outbox.c.log_seq)))
    positions = {
        r.consumer: r.position
        for r in await rows(
            platform, select(consumer_positions.c.consumer, consumer_positions.c.position)
        )
    }
    lag = {name: (last or 0) - positions.get(name, 0) for name in CONSUMERS}
    lag["unpublished"] = await unpublished(platform)
    return {name: behind for name, behind in lag.items() if behind}


def handler_of(workers: Workers, name: str) -> Any:
    worker = workers.worker(name)
    return getattr(worker, "handler", None)


def applied(workers: Workers, name: str) -> int:
    handler = handler_of(workers, name)
    return int(getattr(handler, "applied", 0)) if handler is not None else 0


async def applied_count(workers: Workers, name: str) -> int:
    """:func:`applied`, as a probe for ``wait_for``."""
    return applied(workers, name)


async def orders_not_in(platform: Platform, orders: list[Order], status: OrderStatus) -> list[str]:
    """The orders not (yet) in ``status``, each with the status it is in."""
    found = [(order.id, await order_status(platform, order.id)) for order in orders]
    return [f"{order_id}: {seen.value}" for order_id, seen in found if seen is not status]


async def mail_count(platform: Platform) -> int:
    """How many mails the embedded mailer wrote."""
    return len(mails(platform))


async def ticket_count(platform: Platform, order_id: uuid.UUID) -> int:
    """How many kitchen tickets order ``order_id`` has."""
    return len(await platform.db.run(lambda tx: tx.tickets.for_order(order_id)))


async def cook_through(
    platform: Platform, world: World, ready: int, completed: int
) -> tuple[list[Order], list[Order]]:
    """Wait until every order has exactly its tickets and bill, then cook the first ``ready``
    live orders to READY and the first ``completed`` of them through delivery, waiting for the
    orders to follow. Returns (the ready orders, the completed orders)."""
    await wait_for(
        lambda: tickets_and_bills_problems(platform, world),
        until=lambda problems: not problems,
        what="every order's tickets and bill",
        timeout=120,
    )
    await assert_exact_tickets_and_bills(platform, world)
    live = [o for o in world.placed if o.id not in world.cancelled]
    for target, status, orders in (
        (TicketStatus.READY, OrderStatus.READY, live[:ready]),
        (TicketStatus.DELIVERED_TO_SERVICE, OrderStatus.COMPLETED, live[:completed]),
    ):
        for order in orders:
            await cook(platform, world, order, target)

        async def behind(orders: list[Order] = orders, status: OrderStatus = status) -> list[str]:
            return await orders_not_in(platform, orders, status)

        await wait_for(
            behind,
            until=lambda rest: not rest,
            what=f"{len(orders)} orders {status.value}",
            timeout=60,
        )
    return live[:ready], live[:completed]
