"""The messages RestMan mails: sign-in codes, order-ready notices and staff invitations.

Each template returns a :class:`RenderedMail` (subject, plain text, HTML) and knows nothing of
recipients or delivery: the caller wraps it into a ``MailMessage`` with the address. Every value
that reaches the HTML part is escaped, because restaurant names, item names and addresses are
typed by people. Subjects are single lines and never carry a sign-in code (subjects show up in
notification previews and server logs).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from restman_core.errors import InvalidInput

DEFAULT_APP_NAME = "RestMan"

# Largest unit first: a duration is named in the largest unit that measures it exactly.
_UNITS: tuple[tuple[int, str], ...] = (
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
    (1, "second"),
)

# How each order type (the contract's ``order_type``) is told the food is ready.
_READY_WORDING: dict[str, str] = {
    "delivery": "It is packed and will be on its way to you shortly.",
    "takeaway": "It is ready for pickup at the counter.",
    "dine_in": "It will be brought to your table shortly.",
}
_READY_WORDING_DEFAULT = "It is ready for you."


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A message's content without its recipient: a one-line subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def describe_duration(seconds: int) -> str:
    """Name a positive duration in the largest unit that measures it exactly.

    ``300`` → "5 minutes", ``90`` → "90 seconds", ``3600`` → "1 hour", ``5400`` → "90 minutes".
    Raises :class:`InvalidInput` for zero or negative durations.
    """
    if seconds < 1:
        raise InvalidInput("a duration must be at least one second")
    for size, unit in _UNITS:
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    raise AssertionError("unreachable: every whole number of seconds is measured in seconds")


def sign_in_code(
    code: str, expires_in_seconds: int, app_name: str = DEFAULT_APP_NAME
) -> RenderedMail:
    """The sign-in code mail: states the code and how long it really stays valid."""
    if not code:
        raise InvalidInput("a sign-in code must not be empty")
    expiry = describe_duration(expires_in_seconds)
    name = _one_line(app_name)
    ignore = (
        "If you did not ask for this code, you can ignore this email: "
        "nobody can sign in without it."
    )
    text = "\n".join(
        [
            f"Your {name} sign-in code is:",
            "",
            f"    {code}",
            "",
            f"This code expires in {expiry}. Do not share it with anyone.",
            "",
            ignore,
            "",
        ]
    )
    body = (
        f"<p>Your {_e(name)} sign-in code is:</p>"
        f'<p style="font-size:28px;font-weight:bold;letter-spacing:4px;">{_e(code)}</p>'
        f"<p>This code expires in {_e(expiry)}. Do not share it with anyone.</p>"
        f'<p style="color:#666;">{_e(ignore)}</p>'
    )
    return RenderedMail(
        subject=f"Your {name} sign-in code",
        text=text,
        html=_document(f"Your {name} sign-in code", body, name),
    )


def local_time(moment: datetime, timezone: str) -> str:
    """``moment`` on the restaurant's clock: "Tue 1 Dec 2026, 19:42 (Europe/Paris)". A zone
    the system does not know is shown in UTC, named so."""
    try:
        zone, name = ZoneInfo(timezone), timezone
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} ({name})"


def order_ready(
    restaurant_name: str,
    order_number: str,
    items: Sequence[tuple[int, str]],
    order_type: str | None,
    app_name: str = DEFAULT_APP_NAME,
    *,
    quoted_ready_at: datetime | None = None,
    timezone: str = "UTC",
) -> RenderedMail:
    """The "your order is ready" mail, sent when the kitchen marks an order READY.

    ``items`` are ``(quantity, name)`` pairs in display order; ``order_type`` is the contract's
    ``delivery``/``takeaway``/``dine_in`` (anything else, or ``None``, gets neutral wording).
    ``quoted_ready_at``, when the order was quoted, is shown on the restaurant's clock
    (``timezone``, IANA) as the time the customer was told.
    """
    restaurant = _one_line(restaurant_name)
    number = _one_line(order_number)
    ready = _READY_WORDING.get(order_type or "", _READY_WORDING_DEFAULT)
    lines = [f"{quantity} × {_one_line(name)}" for quantity, name in items]
    thanks = f"Thank you for ordering with {restaurant}."
    quoted = None if quoted_ready_at is None else local_time(quoted_ready_at, timezone)
    text_parts = [
        "Your order is ready!",
        "",
        f"Restaurant: {restaurant}",
        f"Order number: {number}",
        *([f"Quoted ready time: {quoted}"] if quoted else []),
        "",
        ready,
    ]
    if lines:
        text_parts += ["", "Your order:", *(f"  - {line}" for line in lines)]
    text_parts += ["", thanks, "", _no_reply(app_name), ""]
    body = (
        "<h1>Your order is ready!</h1>"
        f"<p>Restaurant: <strong>{_e(restaurant)}</strong><br>"
        f"Order number: <strong>{_e(number)}</strong>"
        + (f"<br>Quoted ready time: <strong>{_e(quoted)}</strong>" if quoted else "")
        + f"</p><p>{_e(ready)}</p>"
    )
    if lines:
        body += "<p>Your order:</p><ul>" + "".join(f"<li>{_e(line)}</li>" for line in lines)
        body += "</ul>"
    body += f"<p>{_e(thanks)}</p>"
    return RenderedMail(
        subject=f"Your order from {restaurant} is ready",
        text="\n".join(text_parts),
        html=_document("Your order is ready", body, app_name),
    )


def staff_invitation(
    restaurant_name: str, email: str, app_name: str = DEFAULT_APP_NAME
) -> RenderedMail:
    """The mail to someone an owner added as kitchen staff: sign in with this address."""
    restaurant = _one_line(restaurant_name)
    address = _one_line(email)
    name = _one_line(app_name)
    added = f"{restaurant} has added you to its kitchen staff on {name}."
    how = (
        f"To open the kitchen display, sign in with this email address ({address}). "
        "You will be sent a one-time sign-in code; there is no password to remember."
    )
    unexpected = "If you did not expect this, you can ignore this email or contact the restaurant."
    text = "\n".join(["Hello,", "", added, "", how, "", unexpected, "", _no_reply(name), ""])
    body = (
        "<p>Hello,</p>"
        f"<p><strong>{_e(restaurant)}</strong> has added you to its kitchen staff "
        f"on {_e(name)}.</p>"
        f"<p>To open the kitchen display, sign in with this email address "
        f"(<strong>{_e(address)}</strong>). You will be sent a one-time sign-in code; there is "
        "no password to remember.</p>"
        f'<p style="color:#666;">{_e(unexpected)}</p>'
    )
    return RenderedMail(
        subject=f"You have been added to the {restaurant} kitchen on {name}",
        text=text,
        html=_document(f"Welcome to the {restaurant} kitchen", body, name),
    )


def _e(value: str) -> str:
    """Escape for HTML text and attribute values (quotes included)."""
    return html.escape(value, quote=True)


def _one_line(value: str) -> str:
    """Collapse all whitespace (newlines included) so a value cannot break a header or layout."""
    return " ".join(value.split())


def _no_reply(app_name: str) -> str:
    return f"This message was sent by {_one_line(app_name)}. Please do not reply to it."


def _document(title: str, body: str, app_name: str) -> str:
    """Wrap an escaped body fragment in a small, self-contained HTML page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;max-width:560px;">'
        f"{body}"
        f'<hr><p style="color:#999;font-size:12px;">{_e(_no_reply(app_name))}</p>'
        "</body></html>\n"
    )
