"""Every error class of the core has its own HTTP translation: a status, the contract's code and
the body ``{"error": CODE, "message": ...}``. A backend that is down or misconfigured is a 503
carrying the core's message, which names the backend; nothing but a bare RestmanError is a 500.

The hierarchy is walked (``__subclasses__``, recursively), so a new error class without an entry
in restman_api.errors.CORE_STATUS fails here."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

import restman_core.bootstrap  # noqa: F401  (imports every module that may define an error class)
from restman_api.errors import CORE_STATUS, EXCEPTION_HANDLERS
from restman_core.errors import (
    ConfigurationError,
    RateLimited,
    RestmanError,
    Unauthorized,
    Unavailable,
)
from tests.support.hierarchy import error_classes, instance_of

CONTRACT_CODES = {
    400: {"VALIDATION_ERROR", "BAD_REQUEST"},
    401: {"UNAUTHORIZED"},
    403: {"FORBIDDEN"},
    404: {"NOT_FOUND"},
    409: {"CONFLICT"},
    429: {"RATE_LIMITED"},
    500: {"INTERNAL_ERROR"},
    503: {"SERVICE_UNAVAILABLE"},
}


def _answer(error: RestmanError) -> tuple[int, dict[str, object], dict[str, str]]:
    """What a real Litestar app with the API's exception table answers when a route raises."""

    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise error

    with TestClient(Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)) as client:
        response = client.get("/boom")
    return response.status_code, response.json(), dict(response.headers)


def test_the_walk_finds_the_whole_hierarchy() -> None:
    # Guards the walk itself: if it found nothing, the tests below would pass vacuously.
    found = set(error_classes())
    assert {RestmanError, Unavailable, ConfigurationError, RateLimited} <= found
    assert len(found) >= 9


@pytest.mark.parametrize("kind", error_classes(), ids=lambda kind: kind.__name__)
def test_every_core_error_class_has_its_own_http_entry(kind: type[RestmanError]) -> None:
    assert kind in CORE_STATUS, f"{kind.__name__} has no entry in restman_api.errors.CORE_STATUS"


@pytest.mark.parametrize("kind", error_classes(), ids=lambda kind: kind.__name__)
def test_every_core_error_class_answers_the_contract_body(kind: type[RestmanError]) -> None:
    message = f"the analytics store said no ({kind.__name__})"
    status, body, headers = _answer(instance_of(kind, message))
    expected_status, expected_code = CORE_STATUS[kind]
    assert status == expected_status
    assert set(body) == {"error", "message"}, body
    assert body["error"] == expected_code
    assert body["error"] in CONTRACT_CODES[status]
    if kind is RestmanError:
        # The core never raises its bare base class; if it did, that is a bug, shown as one.
        assert (status, body["message"]) == (500, "Internal server error")
        return
    assert status != 500, f"{kind.__name__} must not be an internal error"
    assert body["message"] == message
    if issubclass(kind, RateLimited):
        assert headers["retry-after"] == "7"
    if issubclass(kind, Unauthorized):
        assert headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("kind", [Unavailable, ConfigurationError], ids=lambda k: k.__name__)
def test_a_backend_down_or_misconfigured_is_a_503_naming_it(kind: type[RestmanError]) -> None:
    status, body, _ = _answer(kind("CLICKHOUSE_URL must start with chdb://, http:// or https://"))
    assert status == 503
    assert body == {
        "error": "SERVICE_UNAVAILABLE",
        "message": "CLICKHOUSE_URL must start with chdb://, http:// or https://",
    }


def test_a_subclass_defined_later_inherits_its_parents_answer() -> None:
    # A class made after import (a plugin's) is still translated by its nearest ancestor,
    # never by the 500 fallback.
    class SmtpRefused(Unavailable):
        pass

    try:
        status, body, _ = _answer(SmtpRefused("the mail relay refused the login"))
        assert (status, body["error"]) == (503, "SERVICE_UNAVAILABLE")
        assert body["message"] == "the mail relay refused the login"
    finally:
        del SmtpRefused
