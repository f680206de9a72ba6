"""The probes of ``restman doctor``, each with hints that fit the configuration it checks.

A hint must be true for the installation at hand: an embedded concern is never told to "start"
a server it does not use, and a misconfigured URL is told to fix that URL rather than to start
anything. :class:`Hints` therefore carries one hint for an unreachable backend and one for a
configuration that cannot work, chosen by the error the probe raised.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from restman_core import maintenance
from restman_core.bootstrap import Platform, analytics_url, database_url
from restman_core.bootstrap_keys import (
    KEY_FILE,
    PREVIOUS_KEY_SETTING,
    distributed_reason,
    secret_keys,
)
from restman_core.config import Settings
from restman_core.domain.events import TOPICS
from restman_core.errors import ConfigurationError, RestmanError, Unavailable

CHECK_TIMEOUT_SECONDS = 15.0


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check; ``hint`` says what to do about a warning or failure."""

    check: str
    verdict: Verdict
    detail: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Hints:
    """What to do when a backend cannot be reached (or does not answer in time), and what to
    do when its configuration cannot work."""

    unavailable: str
    misconfigured: str

    def for_error(self, error: RestmanError) -> str:
        return self.misconfigured if isinstance(error, ConfigurationError) else self.unavailable


async def guard(name: str, hints: Hints, probe: Callable[[], Awaitable[Check]]) -> Check:
    """Run one probe; a core error or a timeout becomes a failed check with the fitting hint."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return await probe()
    except RestmanError as error:
        return Check(name, Verdict.FAIL, error.message, hints.for_error(error))
    except TimeoutError:
        detail = f"no answer within {CHECK_TIMEOUT_SECONDS:.0f} s"
        return Check(name, Verdict.FAIL, detail, hints.unavailable)


def secret_key_check(settings: Settings) -> Check:
    """Where the secret key comes from, or why this installation cannot run without one."""
    name = "secret_key"
    try:
        distributed_reason(settings)
    except ConfigurationError:
        return Check(name, Verdict.WARN, "not checked: DATABASE_URL cannot be read (see database)")
    try:
        keys = secret_keys(settings)
    except ConfigurationError as error:
        return Check(name, Verdict.FAIL, error.message, _secret_key_hint(settings))
    rotation = f"; {PREVIOUS_KEY_SETTING} also accepted" if keys.previous else ""
    if settings.secret_key is not None:
        return Check(name, Verdict.OK, f"RESTMAN_SECRET_KEY is set{rotation}")
    where = (settings.data_dir / KEY_FILE).resolve()
    detail = f"embedded: {where}, shared by every process on this data directory{rotation}"
    return Check(name, Verdict.OK, detail)


def _secret_key_hint(settings: Settings) -> str:
    if settings.secret_key is None and distributed_reason(settings) is None:
        return f"make {settings.data_dir.resolve()} a writable directory or set RESTMAN_DATA_DIR"
    return (
        "set RESTMAN_SECRET_KEY (and RESTMAN_SECRET_KEY_PREVIOUS, if set) to random values of at "
        "least 16 bytes, the same on every host (README: The secret key)"
    )


def database_hints(settings: Settings) -> Hints:
    if settings.database_url is None or settings.database_url.startswith("sqlite"):
        where = settings.sqlite_path.resolve()
        return Hints(
            unavailable=f"the SQLite file {where} could not be used: is its directory writable "
            "and the file a RestMan database?",
            misconfigured="fix DATABASE_URL (sqlite:///path), or unset it for the embedded file",
        )
    return Hints(
        unavailable="is the database server running, and is DATABASE_URL right?",
        misconfigured="fix DATABASE_URL: postgresql://… or cockroachdb://… "
        "(unset: embedded SQLite)",
    )


async def database(platform: Platform) -> Check:
    await platform.db.ping()
    state = await maintenance.schema_state(platform.settings)
    where = maintenance.masked_url(database_url(platform.settings))
    if state.at_head:
        return Check("database", Verdict.OK, f"{where} (schema {state.current}, newest)")
    detail = f"{where} (schema {state.current or 'empty'}, newest is {state.head})"
    if platform.embedded:
        return Check("database", Verdict.OK, detail + "; migrated automatically on start")
    return Check("database", Verdict.FAIL, detail, "run `restman db upgrade`")


REDIS_HINTS = Hints(
    unavailable="start Redis or fix REDIS_URL (unset it to use the embedded store)",
    misconfigured="fix REDIS_URL: redis://[:password@]host:port/db (unset: embedded store)",
)
KAFKA_HINTS = Hints(
    unavailable="start the brokers or fix KAFKA_BROKERS (unset it for in-process events)",
    misconfigured="fix KAFKA_BROKERS (host:port,...) and the RESTMAN_KAFKA_* security settings",
)


async def redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", Verdict.OK, "not configured: sessions in SQL, in-process cache")
    await maintenance.check_redis(settings.redis_url)
    return Check("redis", Verdict.OK, maintenance.masked_url(settings.redis_url))


async def kafka(settings: Settings) -> Check:
    if not settings.kafka_brokers:
        return Check("kafka", Verdict.OK, "not configured: events dispatched in-process")
    topics = await maintenance.kafka_topics(settings.kafka_brokers, settings=settings)
    missing = [t for t in TOPICS if t not in topics]
    if missing:
        return Check(
            "kafka",
            Verdict.WARN,
            f"{settings.kafka_brokers}: missing topics {', '.join(missing)}",
            "the API and workers create missing topics when they start",
        )
    return Check("kafka", Verdict.OK, f"{settings.kafka_brokers}: topics {', '.join(TOPICS)}")


# The relay publishes within a second normally; a minute means it is stuck or the broker is down.
BACKLOG_WARN_SECONDS = 60.0
EVENTS_HINTS = Hints(
    unavailable="is the database reachable? The event backlog is read from its outbox table",
    misconfigured="fix DATABASE_URL: the event backlog is read from its outbox table",
)


async def events(platform: Platform) -> Check:
    """How far behind the relay is (unpublished outbox rows and the oldest one's age)."""
    if not (await maintenance.schema_state(platform.settings)).at_head:
        return Check("events", Verdict.OK, "no event log to check until the schema is migrated")
    rows, age = await maintenance.event_backlog(platform.db, platform.clock.now())
    detail = f"{rows} events unpublished" + (f", the oldest waiting {age:.0f} s" if rows else "")
    if rows and age > BACKLOG_WARN_SECONDS:
        hint = "is the relay running (`restman worker relay`), and is the broker reachable?"
        return Check("events", Verdict.WARN, detail, hint)
    return Check("events", Verdict.OK, detail)


def analytics_hints(settings: Settings) -> Hints:
    url = analytics_url(settings)
    if not url.startswith("chdb://"):
        return Hints(
            unavailable="start ClickHouse or fix CLICKHOUSE_URL (unset it for the embedded engine)",
            misconfigured="fix CLICKHOUSE_URL: http(s)://user:password@host:port, or unset it "
            "for the embedded engine",
        )
    where = url.removeprefix("chdb://")
    engine = (
        f"the embedded analytics engine under {where} could not be opened (no ClickHouse server "
        "is involved): check that the directory is writable, not damaged and not held by "
        "another program, or set CLICKHOUSE_URL to a ClickHouse server"
    )
    if settings.clickhouse_url is None:
        # The URL is derived from the data directory, so it cannot be what is wrong.
        return Hints(unavailable=engine, misconfigured=engine)
    return Hints(
        unavailable=engine,
        misconfigured="fix CLICKHOUSE_URL: chdb:///absolute/path, or unset it for the embedded "
        f"engine under {settings.analytics_dir.resolve()}",
    )


async def analytics(platform: Platform) -> Check:
    """The analytics store answers; a failure names the store it tried (engine or server)."""
    where = maintenance.masked_url(analytics_url(platform.settings))
    try:
        store = await platform.analytics()
        await store.health()
    except (Unavailable, ConfigurationError) as error:
        raise type(error)(f"{where}: {error.message}") from error
    return Check("analytics", Verdict.OK, where)


def mail_hints(settings: Settings) -> Hints:
    if settings.smtp_host:
        relay = f"{settings.smtp_host}:{settings.smtp_port}"
        return Hints(
            unavailable=f"is the relay {relay} up? check SMTP_HOST, SMTP_PORT and the SMTP login",
            misconfigured="check SMTP_HOST, SMTP_PORT and the SMTP login",
        )
    outbox = settings.mail_outbox_dir.resolve()
    return Hints(
        unavailable=f"make {outbox} a writable directory, or set SMTP_HOST to use a relay",
        misconfigured=f"make {outbox} a writable directory, or set SMTP_HOST to use a relay",
    )


async def mail(settings: Settings) -> Check:
    if settings.smtp_host:
        greeting = await maintenance.check_smtp(settings)
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        return Check("mail", Verdict.OK, f"{where} answers: {greeting[:60]}")
    outbox = settings.mail_outbox_dir.resolve()
    if not _writable_directory(outbox):
        detail = f"{outbox} is not a writable directory"
        return Check("mail", Verdict.FAIL, detail, mail_hints(settings).unavailable)
    return Check("mail", Verdict.OK, f"not configured: .eml files in {outbox}")


def _writable_directory(path: Path) -> bool:
    """Whether .eml files can be written in ``path`` (created on first mail if missing)."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
