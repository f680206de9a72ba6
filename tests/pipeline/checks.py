"""Conditions the pipeline tests wait on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from restman_core.adapters.sql.tables import consumer_positions, outbox
from restman_core.bootstrap import Platform
from restman_core.services.pipeline import CONSUMERS, Workers
from tests.pipeline.world import rows


def mails(platform: Platform) -> list[Path]:
    """The .eml files the embedded mailer wrote."""
    folder = platform.settings.mail_outbox_dir
    return sorted(folder.glob("*.eml")) if folder.exists() else []


async def all_published(platform: Platform) -> bool:
    [(unpublished,)] = await rows(
        platform, select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    )
    return int(unpublished) == 0


async def embedded_caught_up(platform: Platform) -> bool:
    """Every outbox row is published and every embedded consumer's position is at the end."""
    if not await all_published(platform):
        return False
    [(last,)] = await rows(platform, select(func.max(outbox.c.log_seq)))
    positions = {
        r.consumer: r.position
        for r in await rows(
            platform, select(consumer_positions.c.consumer, consumer_positions.c.position)
        )
    }
    return all(positions.get(name) == last for name in CONSUMERS)


def handler_of(workers: Workers, name: str) -> Any:
    worker = workers.worker(name)
    return getattr(worker, "handler", None)


def applied(workers: Workers, name: str) -> int:
    handler = handler_of(workers, name)
    return int(getattr(handler, "applied", 0)) if handler is not None else 0
