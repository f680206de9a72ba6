"""A real SMTP server (aiosmtpd) for tests that send mail.

``smtp_server()`` starts one on a free port of 127.0.0.1 in its own thread (so it keeps
answering while a test's event loop is busy awaiting the client) and stops it afterwards::

    with smtp_server() as server:
        mailer = SmtpMailer(server.host, server.port, None, None, "noreply@x.test", 5.0)
        await mailer.send(...)
        [message] = await server.wait_for_messages(1)

Received messages are parsed ``email.message.EmailMessage`` objects (``policy.default``).
``fail_deliveries`` makes the server answer with an error reply for a while, for failure and
retry tests. ``credentials`` turns on AUTH (over plain connections too); ``tls_context`` offers
STARTTLS and ``ssl_context`` makes the port speak implicit TLS. ``self_signed_certificate``
makes a throwaway certificate with the ``openssl`` command.
"""

from __future__ import annotations

import email
import ssl
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.services import free_port, wait_for, wait_for_sync

TEMPORARY_FAILURE = "451 4.3.0 Mail system temporarily unavailable, try again later"
PERMANENT_FAILURE = "554 5.7.1 Message rejected"


@dataclass(frozen=True)
class Delivery:
    """One accepted message with its envelope, the login that sent it (if any) and whether
    the connection was encrypted (STARTTLS or implicit TLS) when it arrived."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None
    encrypted: bool


class SmtpTestServer:
    """State of a running test server; also the aiosmtpd handler and authenticator."""

    def __init__(self, credentials: Mapping[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self._credentials = dict(credentials or {})
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._logins: list[tuple[str, bool]] = []
        self._attempts = 0
        self._failure: tuple[str, Literal["RCPT", "DATA"], int | None] | None = None

    # What tests read ---------------------------------------------------------------------
    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    @property
    def messages(self) -> list[EmailMessage]:
        return [delivery.message for delivery in self.deliveries]

    @property
    def logins(self) -> list[tuple[str, bool]]:
        """Every AUTH attempt as ``(login, accepted)``."""
        with self._lock:
            return list(self._logins)

    @property
    def attempts(self) -> int:
        """Messages offered (DATA or RCPT stage reached), accepted or failed."""
        with self._lock:
            return self._attempts

    async def wait_for_messages(self, count: int, *, timeout: float = 30.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return all of them."""

        async def arrived() -> int:
            return len(self.deliveries)

        await wait_for(
            arrived,
            until=lambda n: n >= count,
            what=f"{count} message(s) at the SMTP server",
            timeout=timeout,
        )
        return self.messages

    def wait_for_messages_sync(self, count: int, *, timeout: float = 30.0) -> list[EmailMessage]:
        """Blocking variant of :meth:`wait_for_messages`."""
        wait_for_sync(
            lambda: len(self.deliveries),
            until=lambda n: n >= count,
            what=f"{count} message(s) at the SMTP server",
            timeout=timeout,
        )
        return self.messages

    # What tests steer --------------------------------------------------------------------
    def fail_deliveries(
        self,
        *,
        count: int | None = None,
        reply: str = TEMPORARY_FAILURE,
        at: Literal["RCPT", "DATA"] = "DATA",
    ) -> None:
        """Answer the next ``count`` messages (all, when ``None``) with ``reply`` at the
        ``RCPT`` or ``DATA`` stage instead of accepting them."""
        with self._lock:
            self._failure = (reply, at, count)

    def accept_deliveries(self) -> None:
        """Accept messages again."""
        with self._lock:
            self._failure = None

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()
            self._logins.clear()
            self._attempts = 0

    # aiosmtpd hooks (run on the server thread) -------------------------------------------
    def _failure_reply(self, stage: str) -> str | None:
        with self._lock:
            if self._failure is None or self._failure[1] != stage:
                return None
            self._attempts += 1
            reply, at, count = self._failure
            if count is not None:
                self._failure = (reply, at, count - 1) if count > 1 else None
            return reply

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._failure_reply("RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = self._failure_reply("DATA")
        if reply is not None:
            return reply
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        delivery = Delivery(envelope.mail_from, tuple(envelope.rcpt_tos), parsed, login, encrypted)
        with self._lock:
            self._attempts += 1
            self._deliveries.append(delivery)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self._credentials.get(login) == password
        with self._lock:
            self._logins.append((login, accepted))
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(
            success=accepted, handled=False, auth_data=auth_data if accepted else None
        )


@contextmanager
def smtp_server(
    *,
    credentials: Mapping[str, str] | None = None,
    tls_context: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[SmtpTestServer]:
    """Run an SMTP server on a free port of 127.0.0.1 for the duration of the block."""
    state = SmtpTestServer(credentials)
    state.port = free_port()
    options: dict[str, Any] = {}
    if credentials is not None:
        options.update(authenticator=state.authenticate, auth_require_tls=False)
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=require_starttls)
    controller = Controller(
        state, hostname=state.host, port=state.port, ssl_context=ssl_context, **options
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


def self_signed_certificate(directory: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    """Create a one-day self-signed certificate for ``common_name`` and 127.0.0.1 with the
    ``openssl`` command; return ``(certificate, key)`` paths."""
    certificate, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-nodes",
            "-days",
            "1",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
            "-subj",
            f"/CN={common_name}",
            "-addext",
            f"subjectAltName=DNS:{common_name},IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return certificate, key


def server_tls_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context presenting ``certificate``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context
