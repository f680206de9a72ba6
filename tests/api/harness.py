"""A running API over embedded adapters, and helpers that act as its users over HTTP."""

from __future__ import annotations

import asyncio
import email
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, TypeVar

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from restman_api.app import create_app
from restman_api.state import ApiState, api_state
from restman_core.config import Settings, load_settings
from restman_core.domain.access import SYSTEM_ACTOR
from restman_core.services.auth import SignIn
from tests.support.services import wait_for

T = TypeVar("T")

CODE = re.compile(r"^\s+(\d{4,10})\s*$", re.MULTILINE)


def test_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Embedded settings with limits loose enough for many sign-ins from one test client."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "otp_resend_seconds": 0,
        "auth_rate_limit_per_address": 100_000,
        "auth_rate_limit_per_email": 1_000,
        "menu_cache_ttl_seconds": 300,
    }
    values.update(overrides)
    return load_settings(**values)


def _text(message: Message) -> str:
    if message.is_multipart():
        return "\n".join(_text(part) for part in message.get_payload() if isinstance(part, Message))
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def mails_to(outbox: Path, address: str) -> list[Message]:
    """Every .eml written to ``address``, oldest first."""
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes())
        if address.lower() in str(message.get("To", "")).lower():
            found.append(message)
    return found


@dataclass
class User:
    email: str
    token: str
    user_id: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


CodeReader = Callable[[str], Awaitable[str]]


@dataclass
class Harness:
    """An API to talk to. ``app`` is None when the API runs in another process; ``read_code``
    replaces reading sign-in codes from the embedded outbox (for example from an SMTP server)."""

    app: Litestar | None
    client: httpx.AsyncClient
    data_dir: Path
    read_code: CodeReader | None = None
    counter: list[int] = field(default_factory=lambda: [0])
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    @property
    def api(self) -> ApiState:
        assert self.app is not None, "the API runs in another process"
        return api_state(self.app)

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"

    def unique_email(self, prefix: str) -> str:
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}-{self.tag}@example.com"

    async def last_code(self, address: str) -> str:
        if self.read_code is not None:
            return await self.read_code(address)

        async def arrived() -> list[Message]:
            return mails_to(self.outbox, address)

        await wait_for(arrived, what=f"a mail to {address}", timeout=30)
        match = CODE.search(_text(mails_to(self.outbox, address)[-1]))
        assert match, "no code in the sign-in mail"
        return match.group(1)

    async def sign_in(self, address: str, role: str | None = None) -> User:
        """The real flow: request a code, read it from the mail, verify it."""
        body: dict[str, Any] = {"email": address}
        if role:
            body["role"] = role
        response = await self.client.post("/api/auth/request-otp", json=body)
        assert response.status_code == 200, response.text
        code = await self.last_code(address)
        response = await self.client.post(
            "/api/auth/verify-otp", json={"email": address, "code": code}
        )
        assert response.status_code == 200, response.text
        data = response.json()
        return User(address, data["token"], data["user_id"], data["role"])

    async def new_user(self, role: str = "user") -> User:
        return await self.sign_in(self.unique_email(role), role)

    async def on_app_loop(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await ``call()`` on the app's own event loop without blocking this one: the test
        client's portal, or this loop when the app is served on it (:mod:`tests.api.live`).
        The app's platform belongs to its loop: used from the test's loop it would open a
        SQLite writer and connection there that the app's shutdown cannot close (the
        connection was then garbage collected unclosed: an SAWarning)."""
        assert self.app is not None, "the API runs in another process"
        if isinstance(self.client, AsyncTestClient):
            return await asyncio.wrap_future(self.client.blocking_portal.start_task_soon(call))
        return await call()

    async def new_admin(self) -> User:
        address = self.unique_email("admin")
        api = self.api

        async def made() -> SignIn:
            await api.accounts.create_admin(SYSTEM_ACTOR, address)
            return await api.auth.issue_token(SYSTEM_ACTOR, address)

        issued = await self.on_app_loop(made)
        return User(address, issued.token, str(issued.user.id), "admin")

    async def new_staff(self, owner: User, restaurant_id: str) -> User:
        address = self.unique_email("kitch")
        response = await self.client.post(
            f"/api/restaurants/{restaurant_id}/staff",
            json={"email": address},
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
        return await self.sign_in(address)

    async def restaurant_with_food(
        self, owner: User, *, price: str = "12.99", stock: int | None = None
    ) -> tuple[str, str, str]:
        """(restaurant_id, category_id, food_id) of a fresh restaurant with one food."""
        h = owner.headers
        r = await self.client.post("/api/restaurants", json={"name": "Pizza Palace"}, headers=h)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        c = await self.client.post(
            f"/api/restaurants/{rid}/categories", json={"name": "Pizzas"}, headers=h
        )
        assert c.status_code == 201, c.text
        food: dict[str, Any] = {"category_id": c.json()["id"], "name": "Margherita", "price": price}
        if stock is not None:
            food["stock_remaining"] = stock
        f = await self.client.post(f"/api/restaurants/{rid}/foods", json=food, headers=h)
        assert f.status_code == 201, f.text
        return rid, c.json()["id"], f.json()["id"]

    async def place(self, customer: User, rid: str, fid: str, quantity: int = 2) -> dict[str, Any]:
        body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": quantity}]}
        r = await self.client.post("/api/orders", json=body, headers=customer.headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def tickets_of(self, headers: dict[str, str], order_id: str) -> list[dict[str, Any]]:
        """The order's tickets once the pipeline has opened them."""

        async def opened() -> list[dict[str, Any]]:
            r = await self.client.get("/api/kitchen/tickets", headers=headers)
            return [t for t in r.json() if t["order_id"] == order_id]

        return await wait_for(opened, what=f"tickets of order {order_id}", timeout=30)

    async def bill_of(self, headers: dict[str, str], order_id: str) -> dict[str, Any]:

        async def opened() -> tuple[int, Any]:
            r = await self.client.get(f"/api/billing/orders/{order_id}", headers=headers)
            return r.status_code, r.json()

        _, bill = await wait_for(
            opened, until=lambda seen: seen[0] == 200, what=f"the bill of {order_id}", timeout=30
        )
        return dict(bill)


@asynccontextmanager
async def running_api(
    data_dir: Path, *, run_pipeline: bool = True, **overrides: Any
) -> AsyncIterator[Harness]:
    """The full app (lifespan, embedded pipeline) on a fresh data directory."""
    app = create_app(
        settings=test_settings(data_dir, **overrides),
        run_pipeline=run_pipeline,
        heartbeat_seconds=0.5,
        poll_seconds=0.1,
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield Harness(app, client, data_dir)
