"""Helpers of the sign-in tests: a settable clock, reading codes from received mail, wiring the
services onto a node, and reading back the audit events."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.tables import outbox
from restman_core.domain.access import Role
from restman_core.domain.auth import AuthPolicy, CodeRecord, Session, new_code_record
from restman_core.domain.menus import Restaurant
from restman_core.ports.mail import Mailer
from restman_core.ports.sessions import CodeStore, RateLimiter, SessionStore
from restman_core.ports.storage import Transaction
from restman_core.services.accounts import AccountService
from restman_core.services.auth import AuthService, SignIn
from restman_core.services.staff import StaffService
from tests.support.services import wait_for
from tests.support.smtp import SmtpTestServer

SECRET = b"test-secret-key-of-32-bytes-----"
_CODE_LINE = re.compile(r"^\s+(\d{4,10})\s*$", re.MULTILINE)


@dataclass
class Node:
    """One process's view: its database handle and its own store instances."""

    db: SqlDatabase
    codes: CodeStore
    sessions: SessionStore
    limiter: RateLimiter


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def code_in(message: EmailMessage) -> str:
    match = _CODE_LINE.search(plain_text(message))
    assert match, "no code in the sign-in mail"
    return match.group(1)


class Inbox:
    """Messages the test SMTP server received, per recipient."""

    def __init__(self, server: SmtpTestServer) -> None:
        self._server = server

    def to(self, email: str) -> list[EmailMessage]:
        return [m for m in self._server.messages if str(m["To"]).strip().lower() == email]

    async def wait(self, email: str, count: int = 1) -> list[EmailMessage]:
        async def arrived() -> list[EmailMessage]:
            return self.to(email)

        return await wait_for(
            arrived,
            until=lambda mails: len(mails) >= count,
            what=f"{count} mail(s) to {email}",
            timeout=30,
        )

    async def code(self, email: str, number: int) -> str:
        """The code in the ``number``-th mail (1-based) sent to ``email``."""
        return code_in((await self.wait(email, number))[number - 1])


@dataclass
class Services:
    auth: AuthService
    accounts: AccountService
    staff: StaffService
    node: Node
    clock: ManualClock
    inbox: Inbox

    async def sign_in(
        self, email: str, role: Role | None = None, address: str | None = None
    ) -> SignIn:
        """Request a code, read it from the mail, verify it."""
        sent = len(self.inbox.to(email))
        await self.auth.request_code(email, role, address)
        code = await self.inbox.code(email, sent + 1)
        return await self.auth.verify_code(email, code, None, address)


def build_services(
    node: Node, mailer: Mailer, clock: ManualClock, policy: AuthPolicy, inbox: Inbox
) -> Services:
    auth = AuthService(
        node.db, node.codes, node.sessions, node.limiter, mailer, policy, clock, SECRET
    )
    return Services(
        auth=auth,
        accounts=AccountService(node.db, node.sessions, clock),
        staff=StaffService(node.db, node.sessions, mailer, clock),
        node=node,
        clock=clock,
        inbox=inbox,
    )


async def events_about(db: SqlDatabase, text: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event_type, data)`` of every outbox event whose payload mentions ``text``, in order."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.event_type, outbox.c.payload)
            .where(outbox.c.payload.contains(text))
            .order_by(outbox.c.position)
        )
        return [(kind, json.loads(payload)["data"]) for kind, payload in rows]


async def add_restaurant(db: SqlDatabase, owner_id: uuid.UUID, name: str) -> Restaurant:
    now = datetime.now(UTC)
    restaurant = Restaurant(
        id=uuid.uuid4(),
        owner_id=owner_id,
        name=name,
        description=None,
        address=None,
        phone=None,
        tax_rate=Decimal("0.10"),
        is_active=True,
        created_at=now,
        updated_at=now,
    )

    async def work(tx: Transaction) -> None:
        await tx.restaurants.add(restaurant)

    await db.run(work)
    return restaurant


def create_schema(url: str) -> str:
    """Create every table (the schema's and the sign-in state's) on ``url``. Runs on a worker
    thread with its own event loop: session fixtures must not block the suite's loop."""

    async def create() -> None:
        db = open_database(url)
        try:
            await db.create_all()
        finally:
            await db.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result(timeout=120)
    return url


def make_code(email: str, clock: ManualClock, role: Role | None = None) -> CodeRecord:
    return new_code_record(email, secrets.token_hex(32), role, clock.now(), AuthPolicy())


def make_session(clock: ManualClock, user_id: uuid.UUID | None = None) -> Session:
    now = clock.now()
    return Session(
        id=uuid.uuid4(),
        user_id=user_id or uuid.uuid4(),
        role=Role.KITCHEN,
        email=fresh_email(),
        token_hash=secrets.token_hex(32),
        created_at=now,
        expires_at=now + timedelta(hours=2),
        last_seen_at=now,
        idle_seconds=3600,
    )


def fresh_email(label: str = "user") -> str:
    return f"{label}-{secrets.token_hex(5)}@example.test"


def fresh_address() -> str:
    """A client address in a /64 of its own (rate limits group IPv6 clients by /64)."""
    return f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}::1"
