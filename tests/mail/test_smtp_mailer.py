"""SmtpMailer against a real SMTP server (aiosmtpd) on a free local port."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from restman_core.adapters.smtp import SmtpMailer, SmtpSecurity
from restman_core.domain.mail_templates import sign_in_code
from restman_core.errors import Unavailable
from restman_core.ports.mail import MailMessage
from tests.support.services import free_port
from tests.support.smtp import (
    PERMANENT_FAILURE,
    self_signed_certificate,
    server_tls_context,
    smtp_server,
)

SENDER = "RestMan <noreply@restman.test>"
SECRET = "s3cret-Pa55word"
FAST_RETRIES = (0.01, 0.02)


def code_message(to: str = "diner@example.com", code: str = "042917") -> MailMessage:
    rendered = sign_in_code(code, 300)
    return MailMessage(to=to, subject=rendered.subject, text=rendered.text, html=rendered.html)


def mailer_for(port: int, **options: object) -> SmtpMailer:
    settings: dict[str, object] = {
        "username": None,
        "password": None,
        "timeout": 5.0,
        "retry_delays": FAST_RETRIES,
        **options,
    }
    return SmtpMailer("127.0.0.1", port, sender=SENDER, **settings)  # type: ignore[arg-type]


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return server_tls_context(*certificate)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never says a word (a hung relay)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    ("port", "security"), [(587, "starttls"), (465, "tls"), (25, "plain"), (2525, "plain")]
)
def test_protection_is_chosen_from_the_port(port: int, security: SmtpSecurity) -> None:
    assert SmtpMailer("relay.test", port, None, None, SENDER, 5.0).security == security


def test_explicit_protection_wins_over_the_port() -> None:
    assert (
        SmtpMailer("relay.test", 587, None, None, SENDER, 5.0, security="plain").security == "plain"
    )


def test_repr_never_shows_the_password() -> None:
    assert SECRET not in repr(SmtpMailer("relay.test", 587, "mailer", SECRET, SENDER, 5.0))


async def test_plain_relay_receives_a_multipart_message() -> None:
    with smtp_server() as server:
        await mailer_for(server.port).send(code_message())
        [message] = await server.wait_for_messages(1)
    [delivery] = server.deliveries
    assert delivery.mail_from == "noreply@restman.test"
    assert delivery.rcpt_tos == ("diner@example.com",)
    assert delivery.login is None
    assert not delivery.encrypted
    assert message["From"] == SENDER
    assert message["To"] == "diner@example.com"
    assert message["Subject"] == "Your RestMan sign-in code"
    assert parsedate_to_datetime(message["Date"]).utcoffset() is not None
    assert message["Message-ID"].endswith("@restman.test>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "042917" in text
    assert "expires in 5 minutes" in text
    assert "042917" in html
    assert html.lstrip().startswith("<!DOCTYPE html>")


async def test_each_message_gets_its_own_message_id() -> None:
    with smtp_server() as server:
        mailer = mailer_for(server.port)
        await mailer.send(code_message(code="111111"))
        await mailer.send(code_message(code="222222"))
        first, second = await server.wait_for_messages(2)
        await mailer.close()
    assert first["Message-ID"] != second["Message-ID"]


async def test_credentials_are_sent_and_accepted() -> None:
    with smtp_server(credentials={"mailer": SECRET}) as server:
        await mailer_for(server.port, username="mailer", password=SECRET).send(code_message())
        await server.wait_for_messages(1)
    assert server.logins == [("mailer", True)]
    assert server.deliveries[0].login == "mailer"


async def test_no_login_without_a_username() -> None:
    with smtp_server(credentials={"mailer": SECRET}) as server:
        await mailer_for(server.port).send(code_message())
        await server.wait_for_messages(1)
    assert server.logins == []


async def test_a_refused_login_is_not_retried_and_hides_the_password() -> None:
    wrong = "wrong-Pa55word"
    with smtp_server(credentials={"mailer": SECRET}) as server:
        mailer = mailer_for(server.port, username="mailer", password=wrong)
        with pytest.raises(Unavailable) as raised:
            await mailer.send(code_message())
    # The client may try each offered mechanism (PLAIN, LOGIN) once; all were refused.
    assert set(server.logins) == {("mailer", False)}
    assert server.deliveries == []
    assert wrong not in str(raised.value)
    assert "after 1 attempt:" in str(raised.value)


async def test_starttls_upgrades_the_connection(tls_context: ssl.SSLContext) -> None:
    with smtp_server(tls_context=tls_context, require_starttls=True) as server:
        mailer = mailer_for(server.port, security="starttls", tls_verify=False)
        await mailer.send(code_message())
        await server.wait_for_messages(1)
    assert server.deliveries[0].encrypted


async def test_starttls_with_login(tls_context: ssl.SSLContext) -> None:
    with smtp_server(
        credentials={"mailer": SECRET}, tls_context=tls_context, require_starttls=True
    ) as server:
        mailer = mailer_for(
            server.port, security="starttls", tls_verify=False, username="mailer", password=SECRET
        )
        await mailer.send(code_message())
        await server.wait_for_messages(1)
    assert server.logins == [("mailer", True)]
    assert server.deliveries[0].encrypted


async def test_certificates_are_verified_by_default(tls_context: ssl.SSLContext) -> None:
    with (
        smtp_server(tls_context=tls_context, require_starttls=True) as server,
        pytest.raises(Unavailable, match=r"after 1 attempt: .*certificate verify failed"),
    ):
        await mailer_for(server.port, security="starttls").send(code_message())
    assert server.deliveries == []


async def test_plain_mode_does_not_reach_a_relay_that_requires_tls(
    tls_context: ssl.SSLContext,
) -> None:
    with (
        smtp_server(tls_context=tls_context, require_starttls=True) as server,
        pytest.raises(Unavailable, match="530"),
    ):
        await mailer_for(server.port, security="plain").send(code_message())
    assert server.deliveries == []


async def test_starttls_is_required_when_asked_for() -> None:
    with (
        smtp_server() as server,
        pytest.raises(Unavailable, match=r"after 1 attempt: .*STARTTLS"),
    ):
        await mailer_for(server.port, security="starttls").send(code_message())
    assert server.deliveries == []


async def test_implicit_tls(tls_context: ssl.SSLContext) -> None:
    with smtp_server(ssl_context=tls_context) as server:
        await mailer_for(server.port, security="tls", tls_verify=False).send(code_message())
        await server.wait_for_messages(1)
    assert server.deliveries[0].encrypted


async def test_closed_port_is_unavailable_after_retries_without_secrets() -> None:
    port = free_port()
    mailer = mailer_for(port, username="mailer", password=SECRET)
    with pytest.raises(Unavailable) as raised:
        await mailer.send(code_message())
    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message
    assert "after 3 attempts" in message
    assert SECRET not in message
    assert "042917" not in message


async def test_a_hung_relay_times_out(silent_port: int) -> None:
    mailer = mailer_for(silent_port, timeout=0.3, attempts=2)
    with pytest.raises(Unavailable, match=r"after 2 attempts: timed out"):
        await mailer.send(code_message())


async def test_transient_failures_are_retried_until_accepted() -> None:
    with smtp_server() as server:
        server.fail_deliveries(count=2)
        await mailer_for(server.port).send(code_message())
        await server.wait_for_messages(1)
    assert server.attempts == 3
    assert len(server.messages) == 1


async def test_transient_recipient_refusals_are_retried() -> None:
    with smtp_server() as server:
        server.fail_deliveries(count=1, at="RCPT")
        await mailer_for(server.port).send(code_message())
        await server.wait_for_messages(1)
    assert server.attempts == 2


async def test_lasting_transient_failure_gives_up_after_the_attempts() -> None:
    with smtp_server() as server:
        server.fail_deliveries()
        with pytest.raises(Unavailable, match=r"after 4 attempts: .*451"):
            await mailer_for(server.port, attempts=4).send(code_message())
        assert server.attempts == 4
        server.accept_deliveries()
        await mailer_for(server.port).send(code_message())
        await server.wait_for_messages(1)


async def test_permanent_rejection_is_not_retried() -> None:
    with smtp_server() as server:
        server.fail_deliveries(reply=PERMANENT_FAILURE)
        with pytest.raises(Unavailable, match=r"after 1 attempt: .*554"):
            await mailer_for(server.port).send(code_message())
    assert server.attempts == 1
    assert server.deliveries == []
