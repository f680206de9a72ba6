"""Embedded mail: every message becomes an .eml file in an outbox folder.

Used when no SMTP relay is configured. The files are exactly what an SMTP relay would receive
(RFC 5322, CRLF line endings, multipart/alternative), so any mail client opens them. Each file is
written under a hidden temporary name and renamed into place, so a reader that lists ``*.eml``
never sees half a message. Names start with a UTC timestamp, so they sort in sending order.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from restman_core.adapters.smtp.mailer import build_email
from restman_core.errors import Unavailable
from restman_core.ports.mail import MailMessage
from restman_core.private_files import open_private, private_directory

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "noreply@restman.local"


class OutboxMailer:
    """Writes each message to ``directory`` as ``<UTC timestamp>-<random>.eml`` (implements
    ``restman_core.ports.mail.Mailer``). The directory is created on first use. Each message
    logs one INFO line naming the file, the recipient and the subject; the body (which may hold
    a sign-in code) is never logged."""

    def __init__(self, directory: Path | str, *, sender: str = DEFAULT_SENDER) -> None:
        self._directory = Path(directory)
        self._sender = sender

    @property
    def directory(self) -> Path:
        """Where the .eml files go."""
        return self._directory

    async def send(self, message: MailMessage) -> None:
        """Write ``message`` to the outbox; raises :class:`Unavailable` when the file cannot be
        written (missing permissions, full disk)."""
        data = build_email(message, self._sender).as_bytes(policy=policy.SMTP)
        try:
            path = await asyncio.to_thread(self._write, data)
        except OSError as exc:
            raise Unavailable(
                f"could not write mail to the outbox {self._directory}: {exc.strerror or exc}"
            ) from None
        logger.info("mail to %s written to %s: %s", message.to, path, message.subject)

    async def close(self) -> None:
        """Nothing to release."""

    def _write(self, data: bytes) -> Path:
        """Write ``data`` atomically under a fresh sortable name; return the final path."""
        # The messages hold live sign-in codes: owner-only, whatever the umask.
        private_directory(self._directory)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        final = self._directory / name
        temporary = self._directory / f".{name}.tmp"
        try:
            with os.fdopen(open_private(temporary), "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return final
