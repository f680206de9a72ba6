"""How the unit of work reads a database failure: retry the unit, refuse the request, or say
the database is unavailable. Shared by the pooled path (PostgreSQL, CockroachDB) and SQLite's
single writer (:mod:`restman_core.adapters.sql.writer`)."""

from __future__ import annotations

import random

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from restman_core.adapters.sql.retry import RetryUnit
from restman_core.errors import Conflict, InvalidInput, Unavailable

MAX_ATTEMPTS = 40
RETRY_BUDGET_SECONDS = 20.0
BACKOFF_BASE = 0.01
BACKOFF_CAP = 0.5
_RETRY_SQLSTATES = {"40001", "40P01"}
READ_ONLY_SQLSTATE = "25006"


def sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_retryable(exc: BaseException) -> bool:
    """Serialization failures, deadlocks, and a locked SQLite file."""
    if isinstance(exc, RetryUnit):
        return True
    if isinstance(exc, DBAPIError):
        if sqlstate(exc) in _RETRY_SQLSTATES:
            return True
        text = str(getattr(exc, "orig", exc)).lower()
        if "database is locked" in text or "restart transaction" in text:
            return True
    return False


def backoff_delay(attempt: int) -> float:
    """Jittered exponential backoff, capped: between half and all of ``base * 2**attempt``, so
    contenders spread out (the jitter) yet never spin back at once (the floor)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(attempt, 20)))
    return random.uniform(ceiling / 2, ceiling)


def is_connection_error(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or (sqlstate(exc) or "").startswith("08")


def refusal_of(exc: DBAPIError) -> Conflict | InvalidInput:
    """The core's error for a statement the database refused because of the data: a duplicate
    is a Conflict; a missing referenced row, a refused check or a value out of a column's range
    is InvalidInput. The driver's text (SQL, values) never goes into the message."""
    state = sqlstate(exc) or ""
    text = str(getattr(exc, "orig", "")).lower()
    if state == "23505" or "unique constraint" in text:
        return Conflict("That already exists")
    if state == "23503" or "foreign key" in text:
        return InvalidInput("The request refers to something that does not exist")
    if isinstance(exc, DataError):
        return InvalidInput("A value is out of range or malformed")
    return InvalidInput("The request breaks a storage rule")


def final_error(exc: DBAPIError | RetryUnit) -> BaseException:
    """What a caller sees for a failure that is not retried (see :func:`is_retryable`): a
    refused statement is Conflict or InvalidInput; a read-only, unreachable or otherwise
    operational failure is Unavailable; anything else (a programming error) is ``exc`` itself."""
    if isinstance(exc, IntegrityError | DataError):
        return refusal_of(exc)
    if sqlstate(exc) == READ_ONLY_SQLSTATE:
        # A server turned read-only (a replica promoted away, a full disk's guard) is a
        # database the write cannot use now, not a bug.
        return Unavailable("The database is read-only; try again later")
    if isinstance(exc, OperationalError | RetryUnit) or (
        isinstance(exc, DBAPIError) and is_connection_error(exc)
    ):
        return Unavailable("The database is unavailable; try again")
    return exc


def classify(exc: DBAPIError | RetryUnit) -> BaseException | None:
    """None when the unit should run again (see :func:`is_retryable`), otherwise the error to
    raise (see :func:`final_error`). A refused statement is never retried."""
    if not isinstance(exc, IntegrityError | DataError) and is_retryable(exc):
        return None
    return final_error(exc)
