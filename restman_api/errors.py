"""The one exception table of the API: every error, ours or the framework's, becomes the
contract's body ``{"error": CODE, "message": text[, "details": ...]}``.

Nothing internal leaks: unexpected exceptions are logged with the request id and answered with a
generic INTERNAL_ERROR; framework messages are replaced by fixed texts except validation
messages, which only describe the client's own input.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

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

log = logging.getLogger("restman_api")


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """The body of every error response."""

    error: str
    message: str
    details: dict[str, Any] | None = None


# Core error -> (HTTP status, contract code). Every class of the core's hierarchy has its own
# entry (tests/api/test_error_mapping.py walks the hierarchy), so adding an error kind forces a
# decision here instead of a silent 500. A backend that is misconfigured cannot serve the request
# any more than one that is down: both are 503, and the core's message names the backend. Only a
# bare RestmanError, which the core never raises on purpose, is an internal error.
CORE_STATUS: Mapping[type[RestmanError], tuple[int, str]] = {
    RestmanError: (500, "INTERNAL_ERROR"),
    InvalidInput: (400, InvalidInput.code),
    Unauthorized: (401, Unauthorized.code),
    Forbidden: (403, Forbidden.code),
    NotFound: (404, NotFound.code),
    Conflict: (409, Conflict.code),
    RateLimited: (429, RateLimited.code),
    Unavailable: (503, Unavailable.code),
    ConfigurationError: (503, Unavailable.code),
}


def core_mapping(kind: type[RestmanError]) -> tuple[int, str]:
    """The (status, code) of an error class: its own entry, else its nearest ancestor's."""
    for ancestor in kind.__mro__:
        if ancestor in CORE_STATUS:
            return CORE_STATUS[ancestor]
    return CORE_STATUS[RestmanError]


# Framework status -> (code, fixed message).
FRAMEWORK_ERRORS: Mapping[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "The request could not be understood (is the body valid JSON?)"),
    401: ("UNAUTHORIZED", "Authentication required"),
    403: ("FORBIDDEN", "Your role may not do this"),
    404: ("NOT_FOUND", "No such resource"),
    405: ("METHOD_NOT_ALLOWED", "This method is not allowed on this resource"),
    408: ("REQUEST_TIMEOUT", "The request body did not arrive in time"),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json"),
    429: ("RATE_LIMITED", "Too many requests"),
    503: ("SERVICE_UNAVAILABLE", "The service is unavailable; try again"),
}

STATUS_DESCRIPTIONS: Mapping[int, str] = {
    400: "Invalid input (VALIDATION_ERROR) or a malformed request (BAD_REQUEST)",
    401: "Missing, expired or revoked session (UNAUTHORIZED)",
    403: "The caller's role may never do this (FORBIDDEN)",
    404: "No such object, or not the caller's (NOT_FOUND)",
    409: "Conflicts with the current state (CONFLICT)",
    413: "Body too large (PAYLOAD_TOO_LARGE)",
    415: "Body is not JSON (UNSUPPORTED_MEDIA_TYPE)",
    429: "Rate limited (RATE_LIMITED, with Retry-After)",
    500: "An unexpected failure (INTERNAL_ERROR); nothing internal is shown",
    503: "A backend is unavailable (SERVICE_UNAVAILABLE)",
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[ErrorBody]:
    return Response(
        ErrorBody(error=code, message=message, details=dict(details) if details else None),
        status_code=status,
        headers=dict(headers or {}),
        media_type="application/json",
    )


def core_error(_: Request[Any, Any, Any], exc: RestmanError) -> Response[ErrorBody]:
    """Translate a core error by class (see :data:`CORE_STATUS`)."""
    status, code = core_mapping(type(exc))
    if status == 500:
        log.error("core error raised without a kind: %s", type(exc).__name__)
        return error_response(500, "INTERNAL_ERROR", "Internal server error")
    if isinstance(exc, ConfigurationError):
        # The operator must fix the settings; the client can only wait. Log it loudly once per
        # request so the misconfiguration is seen, without showing settings to the client.
        log.error("misconfigured backend: %s", exc.message)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(status, code, exc.message, exc.details, headers)


MISSING_BODY = "A JSON request body is required"


def _readable(problem: Any) -> Any:
    """A framework problem as the client should read it: an absent body surfaces from the
    framework as the bare name of its internal body parameter (``'data'``)."""
    if not isinstance(problem, dict):
        return problem
    if problem.get("key") == "data" and str(problem.get("message")).strip("'\"") == "data":
        return {**problem, "message": MISSING_BODY}
    return problem


def _validation_details(exc: ValidationException) -> tuple[str, dict[str, Any] | None]:
    problems = [_readable(p) for p in exc.extra] if isinstance(exc.extra, list) else []
    messages = [str(p.get("message")) for p in problems if isinstance(p, dict) and p.get("message")]
    # "data" is the framework's name for the whole body, not a field the client sent.
    fields = [
        p.get("key") for p in problems if isinstance(p, dict) and p.get("key") not in (None, "data")
    ]
    message = "; ".join(messages) or "The request is not valid"
    details: dict[str, Any] = {"errors": problems} if problems else {}
    if fields:
        details["fields"] = fields
    return message, details or None


def framework_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    """Translate Litestar's own errors (routing, parsing, validation, body size)."""
    status = exc.status_code
    if isinstance(exc, ValidationException) or (status == 400 and exc.extra):
        message, details = _validation_details(exc)  # type: ignore[arg-type]
        return error_response(400, "VALIDATION_ERROR", message, details)
    code, message = FRAMEWORK_ERRORS.get(status, ("INTERNAL_ERROR", "Internal server error"))
    if status >= 500 and status != 503:
        status, code, message = 500, "INTERNAL_ERROR", "Internal server error"
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in {"allow", "connection"}}
    return error_response(status, code, message, None, headers)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """Anything else is a bug: log it (with the request id) and answer a bare 500."""
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Internal server error")


UNDECODABLE = "The request body is not valid JSON text (UTF-8, nested at most a few hundred levels)"


def undecodable_body(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """The JSON decoder lets two client mistakes escape as plain Python errors: bytes that are
    not UTF-8 (UnicodeDecodeError) and nesting deeper than it recurses (RecursionError, whose
    message then says it was deserializing). Both are the client's 400; any other error of
    these types is a bug like any other."""
    from_decoder = isinstance(exc, UnicodeDecodeError) or "deserializ" in str(exc)
    if not from_decoder:
        return unexpected_error(request, exc)
    return error_response(400, "BAD_REQUEST", UNDECODABLE)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RestmanError: core_error,
    HTTPException: framework_error,
    UnicodeDecodeError: undecodable_body,
    RecursionError: undecodable_body,
    Exception: unexpected_error,
}


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI error responses of a route. 400 (malformed input), 404 (a malformed id in a
    path never names anything) and 413 (body too large) apply to every route."""
    return {
        status: ResponseSpec(
            data_container=ErrorBody, description=STATUS_DESCRIPTIONS.get(status, "Error")
        )
        for status in sorted({400, 404, 413, *statuses})
    }


def server_errors() -> dict[int, ResponseSpec]:
    """OpenAPI error responses of a route that takes no input at all (health, metrics): only
    an unexpected failure."""
    return {500: ResponseSpec(data_container=ErrorBody, description=STATUS_DESCRIPTIONS[500])}
