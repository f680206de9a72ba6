"""Sign-in with emailed codes, sessions, and the caller's profile."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import JSONBody

from restman_api.bodies import Body, DocumentContext, alternatives
from restman_api.body_rules import Email, IdText, code_pattern, rule
from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.domain.access import Role
from restman_core.domain.auth import parse_requested_role
from restman_core.domain.clock import format_timestamp
from restman_core.errors import InvalidInput
from restman_core.views import restaurant_view

TAGS = ["auth"]


RequestedRole = Annotated[str, rule(enum=[r.value for r in Role])]


class RequestOtp(Body):
    email: Email
    role: RequestedRole | None = None


class VerifyOtp(Body):
    """``otp`` is accepted as an alias of ``code`` (the original's Postman collection); one of
    them is required."""

    email: Email
    code: str | None = None
    otp: str | None = None
    role: RequestedRole | None = None

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        # AuthService.verify_code: the code is exactly the configured number of digits, and
        # the route takes ``code``, else ``otp``.
        digits = code_pattern(context.code_length)
        for name in ("code", "otp"):
            for alternative in alternatives((schema.properties or {})[name]):
                alternative.pattern = digits
        schema.any_of = [
            Schema(
                required=[name],
                properties={name: Schema(type=OpenAPIType.STRING, pattern=digits)},
            )
            for name in ("code", "otp")
        ]


class Logout(Body):
    """Optionally name the session to end: by id or by token (``session_token`` is the
    original's client spelling); it must be one of the caller's own."""

    session_id: IdText | None = None
    session_token: str | None = None


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


@post(
    "/api/auth/request-otp",
    operation_id="requestOtp",
    summary="Mail a sign-in code (same answer for every well-formed email)",
    tags=TAGS,
    status_code=200,
    responses=responses(400, 429),
)
async def request_otp(
    api: Api, data: JSONBody[RequestOtp], request: Request[Any, Any, Any]
) -> dict[str, str]:
    role = parse_requested_role(data.role)
    await api.auth.request_code(data.email, role, _client(request))
    return {"message": "OTP sent to your email"}


@post(
    "/api/auth/verify-otp",
    operation_id="verifyOtp",
    summary="Exchange a sign-in code for a session token",
    tags=TAGS,
    status_code=200,
    responses=responses(400, 401, 403, 429),
)
async def verify_otp(
    api: Api, data: JSONBody[VerifyOtp], request: Request[Any, Any, Any]
) -> dict[str, Any]:
    code = data.code if data.code is not None else data.otp
    if code is None:
        raise InvalidInput("code is required", details={"field": "code"})
    role = parse_requested_role(data.role)
    signed_in = await api.auth.verify_code(data.email, code, role, _client(request))
    return {
        "token": signed_in.token,
        "session_token": signed_in.token,
        "session_id": str(signed_in.session.id),
        "user_id": str(signed_in.user.id),
        "email": signed_in.user.email,
        "role": str(signed_in.user.role),
        "expires_at": format_timestamp(signed_in.session.expires_at),
    }


@post(
    "/api/auth/logout",
    operation_id="logout",
    summary="End the caller's session (or another of the caller's own)",
    tags=TAGS,
    status_code=200,
    responses=responses(400, 401, 404),
)
async def logout(
    api: Api, request: Request[Any, Any, Any], data: JSONBody[Logout | None] = None
) -> dict[str, str]:
    body = data or Logout()
    await api.auth.logout(
        request.state.token, session_id=body.session_id, session_token=body.session_token
    )
    return {"message": "Logged out successfully"}


@post(
    "/api/auth/logout-all",
    operation_id="logoutAll",
    summary="End every session of the caller",
    tags=TAGS,
    status_code=200,
    responses=responses(401),
)
async def logout_all(api: Api, actor: Caller) -> dict[str, Any]:
    ended = await api.auth.logout_all(actor)
    return {"message": "Logged out of every session", "sessions_ended": ended}


@get(
    "/api/auth/me",
    operation_id="me",
    summary="The caller's account and restaurants",
    tags=TAGS,
    responses=responses(401),
)
async def me(api: Api, actor: Caller) -> dict[str, Any]:
    profile = await api.accounts.me(actor)
    return {
        "id": str(profile.id),
        "email": profile.email,
        "role": str(profile.role),
        "is_active": profile.is_active,
        "restaurants": [restaurant_view(r) for r in profile.restaurants],
    }


AUTH_ROUTES = [request_otp, verify_otp, logout, logout_all, me]
