"""Outgoing mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MailMessage:
    """A message with a plain-text and an HTML part."""

    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    """Delivers mail. ``send`` returns once the message is accepted (by the SMTP relay, or
    written to the outbox folder) and raises :class:`restman_core.errors.Unavailable` when it
    could not be."""

    async def send(self, message: MailMessage) -> None: ...

    async def close(self) -> None: ...
