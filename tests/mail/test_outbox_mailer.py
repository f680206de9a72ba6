"""OutboxMailer: one parseable .eml per message, written atomically, logged once."""

from __future__ import annotations

import asyncio
import email
import logging
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from restman_core.adapters.local.mail import OutboxMailer
from restman_core.domain.mail_templates import order_ready, sign_in_code
from restman_core.errors import Unavailable
from restman_core.ports.mail import MailMessage

LOGGER = "restman_core.adapters.local.mail"


def code_message(code: str = "042917", to: str = "diner@example.com") -> MailMessage:
    rendered = sign_in_code(code, 90)
    return MailMessage(to=to, subject=rendered.subject, text=rendered.text, html=rendered.html)


def read_eml(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=policy.default)


def code_in(message: EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    found = re.search(r"\b\d{6}\b", text.get_content())
    assert found is not None
    return found.group()


async def test_writes_a_parseable_multipart_eml(tmp_path: Path) -> None:
    outbox = tmp_path / "data" / "outbox"  # does not exist yet
    mailer = OutboxMailer(outbox, sender="RestMan <noreply@restman.test>")
    await mailer.send(code_message())
    await mailer.close()
    [path] = outbox.iterdir()
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml", path.name)
    raw = path.read_bytes()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line endings throughout
    message = read_eml(path)
    assert message["From"] == "RestMan <noreply@restman.test>"
    assert message["To"] == "diner@example.com"
    assert message["Subject"] == "Your RestMan sign-in code"
    assert message["Date"]
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "042917" in text.get_content()
    assert "expires in 90 seconds" in text.get_content()
    assert "042917" in html.get_content()


async def test_one_file_per_message_in_sending_order(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    codes = [f"{n:06d}" for n in range(5)]
    for code in codes:
        await mailer.send(code_message(code))
    paths = sorted(tmp_path.glob("*.eml"))
    assert len(paths) == 5
    assert [code_in(read_eml(path)) for path in paths] == codes
    assert list(tmp_path.glob(".*.tmp")) == []


async def test_concurrent_sends_do_not_collide(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    await asyncio.gather(*(mailer.send(code_message(f"{n:06d}")) for n in range(20)))
    assert len(list(tmp_path.glob("*.eml"))) == 20


async def test_logs_one_line_without_the_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = OutboxMailer(tmp_path)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        await mailer.send(code_message("987654", to="cook@example.com"))
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 1
    line = records[0].getMessage()
    assert records[0].levelno == logging.INFO
    [path] = tmp_path.glob("*.eml")
    assert str(path) in line
    assert "cook@example.com" in line
    assert "Your RestMan sign-in code" in line
    assert "987654" not in line


async def test_escaped_html_survives_the_file(tmp_path: Path) -> None:
    rendered = order_ready("<b>Joe's & Co</b>", "A1B2", [(2, "Fries")], "delivery")
    mailer = OutboxMailer(tmp_path)
    await mailer.send(MailMessage("a@example.com", rendered.subject, rendered.text, rendered.html))
    [path] = tmp_path.glob("*.eml")
    message = read_eml(path)
    assert message["Subject"] == "Your order from <b>Joe's & Co</b> is ready"
    html = message.get_body(("html",))
    assert html is not None
    assert "&lt;b&gt;Joe&#x27;s &amp; Co&lt;/b&gt;" in html.get_content()


async def test_unwritable_outbox_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the outbox should be")
    with pytest.raises(Unavailable, match="could not write mail to the outbox"):
        await OutboxMailer(blocker / "outbox").send(code_message())
