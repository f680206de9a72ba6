"""The mail templates: real expiry wording, escaped HTML, no code in subjects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from restman_core.domain.mail_templates import (
    describe_duration,
    order_ready,
    sign_in_code,
    staff_invitation,
)
from restman_core.errors import InvalidInput

NASTY_NAME = "<b>Joe's & Co</b>"


@pytest.mark.parametrize(
    ("seconds", "wording"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (90, "90 seconds"),
        (300, "5 minutes"),
        (600, "10 minutes"),
        (3600, "1 hour"),
        (5400, "90 minutes"),
        (7200, "2 hours"),
        (86400, "1 day"),
    ],
)
def test_durations_are_named_exactly(seconds: int, wording: str) -> None:
    assert describe_duration(seconds) == wording


@pytest.mark.parametrize("seconds", [0, -5])
def test_non_positive_durations_are_refused(seconds: int) -> None:
    with pytest.raises(InvalidInput):
        describe_duration(seconds)


@pytest.mark.parametrize(
    ("seconds", "wording"), [(300, "5 minutes"), (90, "90 seconds"), (3600, "1 hour")]
)
def test_sign_in_code_states_code_and_real_expiry(seconds: int, wording: str) -> None:
    mail = sign_in_code("042917", seconds)
    assert mail.subject == "Your RestMan sign-in code"
    for body in (mail.text, mail.html):
        assert "042917" in body
        assert f"expires in {wording}" in body
        assert "ignore this email" in body


def test_sign_in_code_never_puts_the_code_in_the_subject() -> None:
    mail = sign_in_code("123456", 300, app_name="Pizza Planet")
    assert "123456" not in mail.subject
    assert mail.subject == "Your Pizza Planet sign-in code"


def test_sign_in_code_escapes_the_app_name_in_html() -> None:
    mail = sign_in_code("123456", 300, app_name=NASTY_NAME)
    assert "<b>Joe" not in mail.html
    assert "&lt;b&gt;Joe&#x27;s &amp; Co&lt;/b&gt;" in mail.html


def test_order_ready_names_restaurant_order_and_items() -> None:
    mail = order_ready("Luigi's", "A1B2C3", [(2, "Margherita"), (1, "Tiramisu")], "takeaway")
    assert mail.subject == "Your order from Luigi's is ready"
    for body in (mail.text, mail.html):
        assert "A1B2C3" in body
        assert "2 × Margherita" in body
        assert "1 × Tiramisu" in body
        assert "ready for pickup" in body
    assert "Restaurant: Luigi's" in mail.text
    assert "<li>2 × Margherita</li>" in mail.html


def test_order_ready_escapes_user_text_in_html() -> None:
    mail = order_ready(NASTY_NAME, "7", [(1, "<script>alert(1)</script>")], None)
    assert "<b>" not in mail.html
    assert "<script>" not in mail.html
    assert "&lt;b&gt;Joe&#x27;s &amp; Co&lt;/b&gt;" in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    # Plain text shows the name as typed.
    assert NASTY_NAME in mail.text


@pytest.mark.parametrize(
    ("order_type", "wording"),
    [
        ("delivery", "on its way to you"),
        ("takeaway", "ready for pickup"),
        ("dine_in", "brought to your table"),
        (None, "It is ready for you."),
        ("something-new", "It is ready for you."),
    ],
)
def test_order_ready_wording_follows_order_type(order_type: str | None, wording: str) -> None:
    mail = order_ready("Chez Nous", "42", [(1, "Soup")], order_type)
    assert wording in mail.text
    assert wording in mail.html


def test_order_ready_without_items_has_no_empty_list() -> None:
    mail = order_ready("Chez Nous", "42", [], "delivery")
    assert "<ul>" not in mail.html
    assert "Your order:" not in mail.text


def test_subjects_stay_on_one_line() -> None:
    mail = order_ready("Evil\r\nBcc: victim@example.com", "1", [], None)
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    assert mail.subject == "Your order from Evil Bcc: victim@example.com is ready"


def test_staff_invitation_tells_staff_to_sign_in_with_their_email() -> None:
    mail = staff_invitation(NASTY_NAME, "cook@example.com")
    assert "kitchen" in mail.subject
    assert "cook@example.com" in mail.text
    assert "sign in with this email address" in mail.text
    assert "cook@example.com" in mail.html
    assert "<b>Joe" not in mail.html
    assert "&lt;b&gt;Joe&#x27;s &amp; Co&lt;/b&gt;" in mail.html


def test_the_ready_mail_shows_the_quote_on_the_restaurants_clock() -> None:
    quoted = datetime(2026, 7, 1, 17, 42, 30, tzinfo=UTC)  # 19:42 in Paris (summer time)
    mail = order_ready(
        "Chez Nous",
        "42",
        [(1, "Soup")],
        "takeaway",
        quoted_ready_at=quoted,
        timezone="Europe/Paris",
    )
    assert "Quoted ready time: Wed 1 Jul 2026, 19:42 (Europe/Paris)" in mail.text
    assert "Quoted ready time: <strong>Wed 1 Jul 2026, 19:42 (Europe/Paris)</strong>" in mail.html
    winter = order_ready(
        "Chez Nous", "42", [], None, quoted_ready_at=quoted.replace(month=1), timezone="Asia/Tokyo"
    )
    assert "Quoted ready time: Fri 2 Jan 2026, 02:42 (Asia/Tokyo)" in winter.text


def test_the_ready_mail_without_a_quote_or_with_an_unknown_zone() -> None:
    assert "Quoted" not in order_ready("Chez Nous", "42", [], None).text
    quoted = datetime(2026, 1, 5, 9, 5, tzinfo=UTC)
    odd = order_ready("Chez Nous", "42", [], None, quoted_ready_at=quoted, timezone="Mars/Base")
    assert "Quoted ready time: Mon 5 Jan 2026, 09:05 (UTC)" in odd.text
