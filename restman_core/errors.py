"""The one error hierarchy of RestMan.

The core raises only these. Each front end translates them once: the API to an HTTP status and
the contract's JSON body, the CLI to an exit code and a line on stderr, the kitchen display to a
notification. Messages are written for the person who will read them and never carry SQL,
driver text or stack traces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class RestmanError(Exception):
    """Base of every error the core raises on purpose.

    ``code`` is the contract's machine-readable error code; ``details`` is optional structured
    context (for example the rejected fields) that front ends may show.
    """

    code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] | None = dict(details) if details else None


class InvalidInput(RestmanError):
    """The caller sent something that breaks a rule (bad money, quantity out of range, ...)."""

    code = "VALIDATION_ERROR"


class NotFound(RestmanError):
    """The object does not exist, or exists but the caller may not know it does."""

    code = "NOT_FOUND"


class Unauthorized(RestmanError):
    """No valid identity: a missing, wrong, expired or revoked credential."""

    code = "UNAUTHORIZED"


class Forbidden(RestmanError):
    """The caller is known but their role may never do this."""

    code = "FORBIDDEN"


class Conflict(RestmanError):
    """The request is well formed but clashes with the current state (illegal transition,
    stale version, already paid, idempotency key reused with another body)."""

    code = "CONFLICT"


class RateLimited(RestmanError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    code = "RATE_LIMITED"

    def __init__(
        self, message: str, *, retry_after: int, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, int(retry_after))


class Unavailable(RestmanError):
    """A backend the operation needs (database, Redis, Kafka, ClickHouse, SMTP) is unreachable."""

    code = "SERVICE_UNAVAILABLE"


class ConfigurationError(RestmanError):
    """The configuration cannot work (unknown URL scheme, contradictory settings)."""

    code = "CONFIGURATION_ERROR"
