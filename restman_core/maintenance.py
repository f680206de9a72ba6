"""Operator maintenance: schema migrations and backend reachability checks.

Front ends may not import adapters, so the CLI's ``restman db ...`` and ``restman doctor`` come
here. Like :mod:`restman_core.bootstrap`, this module reads :class:`Settings` and reaches into
adapters; unlike the services it performs I/O of its own. Every function raises only the core's
errors: :class:`Unavailable` when a backend cannot be reached, :class:`InvalidInput` for an
unknown revision, :class:`ConfigurationError` for a URL that cannot work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from alembic.util.exc import CommandError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.relay import outbox_backlog
from restman_core.adapters.sql.urls import dialect_of
from restman_core.bootstrap import database_url, private_embedded_files
from restman_core.config import Settings
from restman_core.errors import InvalidInput, Unavailable
from restman_core.redaction import mask_url

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Revision:
    """One schema migration: its id, the one before it, and what it does."""

    revision: str
    down_revision: str | None
    message: str


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where the database's schema is (``None``: never migrated) against the newest migration."""

    current: str | None
    head: str | None

    @property
    def at_head(self) -> bool:
        return self.current is not None and self.current == self.head


def masked_url(url: str) -> str:
    """``url`` with its password and secret query parameters replaced by ``***`` (safe to
    print; see :func:`restman_core.redaction.mask_url`)."""
    return mask_url(url)


def database_dialect(settings: Settings) -> str:
    """``sqlite``, ``postgresql`` or ``cockroachdb`` for the configured database."""
    return dialect_of(database_url(settings))


def _url(settings: Settings) -> str:
    """The database URL; for the embedded file, its directory is created first (as bootstrap
    does) so a fresh installation can be inspected and migrated."""
    url = database_url(settings)
    if settings.database_url is None:
        private_embedded_files(settings, url)
    return url


def _migrating(work: Callable[[], T]) -> T:
    """Run Alembic work, translating its failures into the core's errors."""
    try:
        return work()
    except CommandError as exc:
        raise InvalidInput(f"migration failed: {exc}") from exc
    except (DBAPIError, OSError) as exc:
        raise Unavailable("The database is unreachable") from exc
    except SQLAlchemyError as exc:
        raise Unavailable(f"The migration could not run: {type(exc).__name__}") from exc


async def upgrade(settings: Settings, revision: str = "head") -> SchemaState:
    """Migrate the configured database up to ``revision`` (head by default)."""
    url = _url(settings)
    await asyncio.to_thread(_migrating, lambda: migrate.upgrade(url, revision))
    return await schema_state(settings)


async def downgrade(settings: Settings, revision: str) -> SchemaState:
    """DESTRUCTIVE: migrate the configured database down to ``revision`` (``base`` drops every
    table RestMan created, with their data)."""
    url = _url(settings)
    await asyncio.to_thread(_migrating, lambda: migrate.downgrade(url, revision))
    return await schema_state(settings)


async def schema_state(settings: Settings) -> SchemaState:
    """The configured database's revision and the newest one this release knows."""
    url = _url(settings)
    current = await asyncio.to_thread(_migrating, lambda: migrate.current_revision(url))
    return SchemaState(current=current, head=migrate.head_revision())


def history() -> list[Revision]:
    """Every migration this release carries, newest first."""
    return [Revision(rev, down, message) for rev, down, message in migrate.history()]


async def check_redis(url: str, *, timeout_seconds: float = 2.0) -> None:
    """Return when Redis at ``url`` answers PING; raise Unavailable otherwise."""
    # Imported here (as in the other checks): a check only loads the driver it needs, so
    # the CLI starts fast and one broken optional driver cannot break unrelated commands.
    from restman_core.adapters.redis.client import open_redis, ping

    client = open_redis(url, socket_timeout=timeout_seconds, connect_timeout=timeout_seconds)
    try:
        await ping(client)
    finally:
        await client.aclose()


async def kafka_topics(
    brokers: str, *, settings: Settings | None = None, timeout_seconds: float = 5.0
) -> dict[str, int]:
    """Every topic the Kafka brokers know, with its partition count; raises Unavailable.

    The client logs in and encrypts as ``settings`` say (``RESTMAN_KAFKA_SECURITY_PROTOCOL``
    and friends); without settings it connects in plaintext.
    """
    from restman_core.adapters.kafka.admin import topic_partitions
    from restman_core.adapters.kafka.config import PLAINTEXT, KafkaSecurity

    security = KafkaSecurity.from_settings(settings) if settings is not None else PLAINTEXT
    return await topic_partitions(brokers, timeout_seconds=timeout_seconds, security=security)


async def check_smtp(settings: Settings) -> str:
    """Open a conversation with the configured SMTP relay (TLS as the port implies, login when
    a username is set) and close it without sending anything. Returns the relay's greeting;
    raises Unavailable when the relay cannot be reached or refuses the login."""
    import aiosmtplib

    from restman_core.adapters.smtp.mailer import security_for_port

    if not settings.smtp_host:
        raise InvalidInput("SMTP_HOST is not set")
    security = security_for_port(settings.smtp_port)
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout_seconds,
        use_tls=security == "tls",
        start_tls=security == "starttls",
    )
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        greeting = await client.connect()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            await client.login(settings.smtp_username, password)
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        reason = type(exc).__name__
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            reason = f"{exc.code} {exc.message}"
        if settings.smtp_password:
            reason = reason.replace(settings.smtp_password.get_secret_value(), "***")
        raise Unavailable(f"the mail relay {where} is not usable ({reason})") from None
    return " ".join(greeting.message.split())


__all__ = [
    "Revision",
    "SchemaState",
    "check_redis",
    "check_smtp",
    "database_dialect",
    "downgrade",
    "history",
    "kafka_topics",
    "masked_url",
    "schema_state",
    "upgrade",
]


async def event_backlog(db: SqlDatabase, now: datetime) -> tuple[int, float]:
    """How far behind the relay is: unpublished outbox rows, and how many seconds the oldest has
    waited (0 when none). Raises Unavailable when the database cannot be reached."""
    backlog = await outbox_backlog(db)
    return backlog.rows, backlog.age_seconds(now)
