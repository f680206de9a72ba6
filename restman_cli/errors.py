"""Core errors become exit codes and one line on stderr.

The exit codes are part of the CLI's contract (scripts branch on them) and are listed in the
README:

====  ======================================================================
code  meaning
====  ======================================================================
0     success
1     a check failed (``restman doctor``) or an unexpected error
2     usage: an unknown command or option, a malformed argument
3     not found: the restaurant, order, user, ... does not exist
4     conflict: the change clashes with the current state (illegal move, duplicate)
5     unavailable: a backend (database, Redis, Kafka, ClickHouse, SMTP) is unreachable
6     invalid input: a value breaks a rule (bad price, bad file rows)
7     forbidden: the acting user's role may not do this
8     unauthorized: a missing or revoked credential
9     rate limited: too many attempts; try again later
10    configuration: the settings cannot work (bad URL, invalid value, no shared secret key)
11    address unavailable: ``restman serve`` cannot listen on its host and port (in use, ...)
130   interrupted (Ctrl-C)
====  ======================================================================

Expected failures never print a traceback; a bug still does, because hiding it helps nobody.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from restman_core.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    RestmanError,
    Unauthorized,
    Unavailable,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_UNAVAILABLE = 5
EXIT_INVALID_INPUT = 6
EXIT_FORBIDDEN = 7
EXIT_UNAUTHORIZED = 8
EXIT_RATE_LIMITED = 9
EXIT_CONFIGURATION = 10
EXIT_ADDRESS_IN_USE = 11
EXIT_INTERRUPTED = 130

# Every class of the core's hierarchy has its own entry (tests/cli/test_exit_codes.py walks the
# hierarchy), so a new error kind needs a decision here. A bare RestmanError, which the core never
# raises on purpose, is an unexpected error.
EXIT_CODES: dict[type[RestmanError], int] = {
    RestmanError: EXIT_FAILED,
    NotFound: EXIT_NOT_FOUND,
    Conflict: EXIT_CONFLICT,
    Unavailable: EXIT_UNAVAILABLE,
    InvalidInput: EXIT_INVALID_INPUT,
    Forbidden: EXIT_FORBIDDEN,
    Unauthorized: EXIT_UNAUTHORIZED,
    RateLimited: EXIT_RATE_LIMITED,
    ConfigurationError: EXIT_CONFIGURATION,
}


def exit_code_for(error: RestmanError) -> int:
    """The documented exit code of a core error: its class's entry, else its nearest
    ancestor's."""
    for kind in type(error).__mro__:
        if kind in EXIT_CODES:
            return EXIT_CODES[kind]
    return EXIT_FAILED


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` on stderr and leave with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _describe_settings_error(error: ValidationError) -> str:
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ())) or "settings"
        problems.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "invalid configuration: " + "; ".join(problems)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected failures raised inside the block into a line on stderr and an exit code:
    core errors by kind, invalid settings as a configuration error, Ctrl-C as 130."""
    try:
        yield
    except RestmanError as error:
        if isinstance(error, RateLimited):
            fail(f"{error.message} (retry after {error.retry_after} s)", EXIT_RATE_LIMITED)
        fail(error.message, exit_code_for(error))
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except Exception as error:
        # pydantic is slow to import and only loaded with the settings: a ValidationError can
        # only exist once it is, so it is looked up by module, not imported here.
        if _is_validation_error(error):
            fail(_describe_settings_error(error), EXIT_CONFIGURATION)  # type: ignore[arg-type]
        raise


def _is_validation_error(error: Exception) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(error, pydantic.ValidationError)
