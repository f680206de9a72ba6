"""Mail over SMTP with aiosmtplib, and the RFC 5322 message every mailer writes.

:class:`SmtpMailer` opens one SMTP conversation per message: mail is rare (sign-in codes, order
notices), so a fresh connection is cheaper than keeping one alive and recovering it after the
relay drops idle clients. Transient failures (refused or dropped connections, timeouts, 4xx
replies) are retried a few times with short pauses; permanent ones (5xx replies, failed login)
are not. Every failure surfaces as :class:`restman_core.errors.Unavailable` with a message that
names the relay but never the password.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

import aiosmtplib

from restman_core.errors import Unavailable
from restman_core.ports.mail import MailMessage

logger = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "tls", "plain"]
"""How the connection is protected: STARTTLS upgrade, implicit TLS from the first byte, or none."""

DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5)


def security_for_port(port: int) -> SmtpSecurity:
    """The conventional protection of a submission port: 587 STARTTLS, 465 implicit TLS,
    anything else plain (a local relay such as port 25 or a test server)."""
    if port == 587:
        return "starttls"
    if port == 465:
        return "tls"
    return "plain"


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    """The RFC 5322 form of ``message``: multipart/alternative with the plain-text part first
    and the HTML part last (clients show the last part they can render), plus From, To,
    Subject, Date (UTC) and a unique Message-ID in the sender's domain."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    # An explicit domain keeps make_msgid from resolving this host's name (slow without DNS).
    domain = sender.rpartition("@")[2].strip(" >") or "restman.local"
    email["Message-ID"] = make_msgid(domain=domain)
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


class SmtpMailer:
    """Delivers mail through an SMTP relay (implements ``restman_core.ports.mail.Mailer``).

    ``security`` ``None`` picks the protection from the port (see :func:`security_for_port`).
    Login happens only when ``username`` is set. ``timeout`` bounds each step of the SMTP
    conversation. ``attempts`` is the total number of tries for transient failures; the pause
    before retry *n* is ``retry_delays[n-1]`` (the last delay repeats). ``tls_verify=False``
    accepts any certificate and exists for self-signed test relays only.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        sender: str,
        timeout: float,
        *,
        security: SmtpSecurity | None = None,
        tls_verify: bool = True,
        attempts: int = 3,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._host = host
        self._port = port
        self._username = username or None
        self._password = password
        self._sender = sender
        self._timeout = timeout
        self._security: SmtpSecurity = security or security_for_port(port)
        self._tls_verify = tls_verify
        self._attempts = attempts
        self._retry_delays = tuple(retry_delays)

    def __repr__(self) -> str:
        # Deliberately without the password.
        return (
            f"SmtpMailer(host={self._host!r}, port={self._port}, security={self._security!r}, "
            f"username={self._username!r}, sender={self._sender!r})"
        )

    @property
    def security(self) -> SmtpSecurity:
        """The protection this mailer uses."""
        return self._security

    async def send(self, message: MailMessage) -> None:
        """Deliver ``message``; returns once the relay accepted it.

        Raises :class:`Unavailable` when every attempt failed or a permanent failure occurred.
        """
        email = build_email(message, self._sender)
        for attempt in range(1, self._attempts + 1):
            try:
                await self._deliver(email)
            except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as exc:
                reason = self._describe(exc)
                if not _is_transient(exc) or attempt == self._attempts:
                    raise Unavailable(
                        f"could not send mail through {self._host}:{self._port} "
                        f"after {attempt} attempt{'s' if attempt > 1 else ''}: {reason}"
                    ) from None
                logger.warning(
                    "mail relay %s:%s failed (attempt %d of %d): %s",
                    self._host,
                    self._port,
                    attempt,
                    self._attempts,
                    reason,
                )
                await asyncio.sleep(self._delay_before(attempt))
            else:
                return

    async def close(self) -> None:
        """Nothing to release: each message uses its own connection."""

    async def _deliver(self, email: EmailMessage) -> None:
        await aiosmtplib.send(
            email,
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=(self._password or "") if self._username else None,
            timeout=self._timeout,
            use_tls=self._security == "tls",
            start_tls=self._security == "starttls",
            validate_certs=self._tls_verify,
        )

    def _delay_before(self, attempt: int) -> float:
        if not self._retry_delays:
            return 0.0
        return self._retry_delays[min(attempt - 1, len(self._retry_delays) - 1)]

    def _describe(self, exc: BaseException) -> str:
        """A one-line reason for ``exc`` with the password scrubbed, in case a relay or the
        driver ever echoes it back."""
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
            first = exc.recipients[0]
            detail = f"recipient refused ({first.code} {first.message})"
        elif isinstance(exc, aiosmtplib.SMTPResponseException):
            detail = f"{type(exc).__name__}: {exc.code} {exc.message}"
        elif isinstance(exc, TimeoutError):
            detail = f"timed out ({exc or 'no answer'})"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        detail = " ".join(detail.split())
        if self._password:
            detail = detail.replace(self._password, "***")
        return detail


def _is_transient(exc: BaseException) -> bool:
    """Whether trying again might succeed: 4xx replies and network trouble are transient;
    5xx replies, refused logins, missing capabilities (no STARTTLS or AUTH offered) and TLS
    failures (an unverifiable certificate) are not."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(400 <= refused.code < 500 for refused in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError | aiosmtplib.SMTPNotSupported):
        return False
    if type(exc) is aiosmtplib.SMTPException:
        # aiosmtplib raises the bare base class for missing capabilities (no STARTTLS, no
        # AUTH on the relay): a configuration mismatch that no retry fixes.
        return False
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 400 <= exc.code < 500
    return not isinstance(exc, ssl.SSLError) and not isinstance(exc.__cause__, ssl.SSLError)
