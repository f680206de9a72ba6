"""Running one command against the platform: settings, bootstrap, close, error translation.

Every command that touches data calls :func:`execute` with a coroutine function of the
:class:`Platform`. The platform is built from the environment (and ``.env``) for that one
command and always closed afterwards, which also frees the in-process analytics engine (one
engine per process) for whatever runs next in the same process.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from restman_cli.errors import EXIT_INVALID_INPUT, fail, reported_errors
from restman_core.domain.access import SYSTEM_ACTOR, Actor
from restman_core.domain.clock import Clock
from restman_core.domain.ids import parse_id
from restman_core.domain.users import User, normalise_email
from restman_core.errors import ConfigurationError, NotFound, RestmanError
from restman_core.ports.storage import Page, Transaction

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform
    from restman_core.config import Settings

T = TypeVar("T")

OPERATOR: Actor = SYSTEM_ACTOR
"""The CLI acts as the platform operator: whoever can run it can read the configuration and
reach the database directly, so it has the admin role."""

# The bootstrap, the settings and the maintenance helpers pull in SQLAlchemy, Alembic and the
# drivers (about two seconds): they are imported inside the functions that build a platform, so
# that `restman --help` and shell completion never load them.


async def _with_platform(
    work: Callable[[Platform], Awaitable[T]], clock: Clock | None, migrate_embedded: bool
) -> T:
    from restman_core.bootstrap import bootstrap
    from restman_core.config import load_settings

    platform = await bootstrap(load_settings(), clock=clock, migrate_embedded=migrate_embedded)
    try:
        return await work(platform)
    except RestmanError:
        raise
    except Exception as error:
        await _explain_unmigrated(platform, error)
        raise
    finally:
        await platform.close()


async def _explain_unmigrated(platform: Platform, error: Exception) -> None:
    """A server database that is behind this release fails in unhelpful driver terms; say what
    to do instead (nothing is raised when the schema is current: the failure is a real bug)."""
    if platform.embedded:
        return
    from restman_core import maintenance

    try:
        state = await maintenance.schema_state(platform.settings)
    except RestmanError:
        return
    if not state.at_head:
        raise ConfigurationError(
            f"the database schema is at {state.current or 'nothing'} but this release needs "
            f"{state.head}: run `restman db upgrade`"
        ) from error


def execute(
    work: Callable[[Platform], Awaitable[T]],
    *,
    clock: Clock | None = None,
    migrate_embedded: bool = True,
) -> T:
    """Run ``work`` on a freshly built platform and close it; core errors become exit codes."""
    with reported_errors():
        return asyncio.run(_with_platform(work, clock, migrate_embedded))


def settings_or_exit() -> Settings:
    """The settings, or an exit with the configuration error code when they are invalid."""
    from restman_core.config import load_settings

    with reported_errors():
        return load_settings()


def run_async(work: Awaitable[T]) -> T:
    """Run a coroutine that needs no platform, with the same error translation."""

    async def wrapped() -> T:
        return await work

    with reported_errors():
        return asyncio.run(wrapped())


def guarded(work: Callable[[], T]) -> T:
    """Run synchronous work with the same error translation."""
    with reported_errors():
        return work()


def parse_uuid(value: str, what: str) -> uuid.UUID:
    """An id from the command line; a malformed one is invalid input (exit 6)."""
    with reported_errors():
        return parse_id(value, what=what)


def parse_day(value: str | None, what: str) -> date | None:
    """A YYYY-MM-DD date from the command line, or None."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a date like 2026-01-31", EXIT_INVALID_INPUT)


def parse_moment(value: str | None, what: str) -> datetime | None:
    """A date or an ISO 8601 moment (naive means UTC), or None."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{what} must be a date or time like 2026-01-31T12:00", EXIT_INVALID_INPUT)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def user_by_email(tx: Transaction, email: str) -> User:
    """The user with that email (normalised); NotFound when there is none."""
    user = await tx.users.get_by_email(normalise_email(email))
    if user is None:
        raise NotFound(f"No user with email {email.strip().lower()}")
    return user


PAGE_SIZE = 200
"""Rows per round trip when a listing asks for more (storage pages hold at most 200)."""


class _Dated(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def id(self) -> uuid.UUID: ...


D = TypeVar("D", bound=_Dated)


async def collect(fetch: Callable[[Page], Awaitable[Sequence[D]]], limit: int) -> list[D]:
    """Up to ``limit`` rows of a newest-first listing, page after page (keyset pagination)."""
    rows: list[D] = []
    page = Page(limit=min(limit, PAGE_SIZE))
    while len(rows) < limit:
        batch = await fetch(page)
        rows.extend(batch[: limit - len(rows)])
        if len(batch) < page.limit:
            break
        last = batch[-1]
        page = Page(
            limit=min(limit - len(rows), PAGE_SIZE), before=last.created_at, before_id=last.id
        )
    return rows
