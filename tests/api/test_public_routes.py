"""Guards only where they are needed: a public route runs no session guard, so whatever
Authorization header it is sent (garbage, or even a live token) it answers and the session store
is not asked. Statements are counted with a real SQLAlchemy listener on every engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from restman_api.app import create_app
from restman_api.security import (
    OPTIONAL_SESSION,
    PUBLIC_OPERATIONS,
    optional_session_guard,
    session_guard,
)
from tests.api import harness as api_harness
from tests.api.harness import Harness, User, running_api

SENT = ["garbage", "Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz"]


@pytest.fixture(scope="module")
async def harness(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    # No pipeline: its housekeeping purges expired sessions in the background, which would
    # show up in the counts.
    data_dir: Path = tmp_path_factory.mktemp("public")
    async with running_api(data_dir, run_pipeline=False) as running:
        yield running


@contextmanager
def session_queries() -> Iterator[list[str]]:
    """The statements on the sessions table any engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "auth_sessions" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture(scope="module")
async def owner(harness: Harness) -> User:
    return await harness.new_user("rest")


@pytest.fixture(scope="module")
async def public_gets(harness: Harness, owner: User) -> list[str]:
    restaurant_id, _, _ = await harness.restaurant_with_food(owner)
    return [
        "/health",
        "/api/health",
        "/ready",
        "/metrics",
        "/api/restaurants",
        f"/api/restaurants/{restaurant_id}/menu",
        "/schema/openapi.json",
    ]


@pytest.mark.parametrize("authorization", SENT)
async def test_public_gets_ignore_any_authorization_header(
    harness: Harness, public_gets: list[str], authorization: str
) -> None:
    with session_queries() as seen:
        for path in public_gets:
            r = await harness.client.get(path, headers={"Authorization": authorization})
            assert r.status_code == 200, (path, r.status_code, r.text)
    assert seen == []


async def test_a_live_token_on_a_public_route_is_not_looked_up(
    harness: Harness, owner: User, public_gets: list[str]
) -> None:
    with session_queries() as seen:
        for path in public_gets:
            r = await harness.client.get(path, headers=owner.headers)
            assert r.status_code == 200, (path, r.status_code)
        sign_in = await harness.client.post(
            "/api/auth/request-otp",
            json={"email": harness.unique_email("public")},
            headers={"Authorization": "Bearer garbage"},
        )
        assert sign_in.status_code == 200, sign_in.text
    assert seen == []


async def test_a_private_route_still_checks_the_session(harness: Harness, owner: User) -> None:
    with session_queries() as seen:
        r = await harness.client.get("/api/auth/me", headers=owner.headers)
        assert r.status_code == 200, r.text
    assert seen, "the listener saw no session lookup"
    for authorization in SENT:
        r = await harness.client.get("/api/auth/me", headers={"Authorization": authorization})
        assert r.status_code == 401, (authorization, r.text)
    assert (await harness.client.get("/api/auth/me")).status_code == 401


async def test_a_restaurant_is_shown_to_anyone_whatever_the_token(
    harness: Harness, owner: User
) -> None:
    restaurant_id, _, _ = await harness.restaurant_with_food(owner)
    for authorization in [*SENT, f"Bearer {owner.token}"]:
        r = await harness.client.get(
            f"/api/restaurants/{restaurant_id}", headers={"Authorization": authorization}
        )
        assert r.status_code == 200, (authorization, r.text)


def test_only_private_routes_run_the_session_guard() -> None:
    app = create_app(settings=api_harness.test_settings(Path("/nonexistent-never-started")))
    seen: dict[str, list[Any]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            operation = getattr(handler, "operation_id", None)
            if isinstance(operation, str):
                seen[operation] = handler.resolve_guards()
    assert set(PUBLIC_OPERATIONS) <= set(seen)
    for operation, guards in seen.items():
        if operation in OPTIONAL_SESSION:
            assert guards == [optional_session_guard], operation
        elif operation in PUBLIC_OPERATIONS or operation == "benchCeiling":
            assert guards == [], operation
        else:
            assert guards == [session_guard], operation
