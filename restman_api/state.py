"""What the handlers share: the platform and the pieces built around it for one app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide

from restman_api.observability import Metrics
from restman_api.pipeline import PipelineRunner
from restman_api.stream_hub import TicketHub
from restman_core.bootstrap import Platform
from restman_core.domain.access import Actor
from restman_core.services.accounts import AccountService
from restman_core.services.auth import AuthService
from restman_core.services.staff import StaffService
from restman_core.services.ticket_feed import TicketFeedService

STATE_KEY = "restman"


@dataclass
class ApiState:
    """Set on ``app.state`` by the lifespan once the platform is up."""

    platform: Platform
    auth: AuthService
    staff: StaffService
    accounts: AccountService
    feed: TicketFeedService
    hub: TicketHub
    metrics: Metrics
    pipeline: PipelineRunner | None = None
    heartbeat_seconds: float = 15.0
    recheck_seconds: float = 30.0


def api_state(app: Litestar) -> ApiState:
    state = app.state.get(STATE_KEY)
    if state is None:
        raise RuntimeError("the API is not started (lifespan has not run)")
    assert isinstance(state, ApiState)
    return state


def provide_api(request: Request[Any, Any, Any]) -> ApiState:
    return api_state(request.app)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in caller, set by :func:`restman_api.security.session_guard`."""
    actor = request.state.get("actor")
    assert isinstance(actor, Actor), "protected route without the session guard"
    return actor


def provide_maybe_actor(request: Request[Any, Any, Any]) -> Actor | None:
    actor = request.state.get("actor")
    return actor if isinstance(actor, Actor) else None


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    actor = connection.state.get("actor")
    return actor if isinstance(actor, Actor) else None


DEPENDENCIES = {
    "api": Provide(provide_api, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "maybe_actor": Provide(provide_maybe_actor, sync_to_thread=False),
}

Api = NamedDependency[ApiState]
"""Handler parameter annotation: the app's :class:`ApiState`."""
Caller = NamedDependency[Actor]
"""Handler parameter annotation (name it ``actor``): the signed-in caller."""
MaybeCaller = NamedDependency[Actor | None]
"""Handler parameter annotation (name it ``maybe_actor``): the caller, if a session was sent."""
