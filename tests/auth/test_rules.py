"""The pure sign-in rules: codes, keyed hashes, tokens, roles, addresses, sessions and the
sliding-window arithmetic every rate-limit adapter shares."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.access import Role
from restman_core.domain.auth import (
    AuthPolicy,
    check_secret_key,
    client_address_key,
    email_key,
    generate_code,
    hash_code,
    hash_token,
    is_well_formed_code,
    new_session,
    new_session_token,
    parse_requested_role,
    role_for_new_user,
    same_digest,
)
from restman_core.domain.rate_limits import admits, max_count_after_hit, retry_after
from restman_core.domain.users import User
from restman_core.errors import ConfigurationError, Forbidden, InvalidInput

KEY = b"k" * 32


def test_codes_are_digits_of_the_configured_length_from_the_whole_range() -> None:
    codes = [generate_code(6) for _ in range(200)]
    assert all(is_well_formed_code(c, 6) for c in codes)
    assert len(set(codes)) > 190
    assert {generate_code(1) for _ in range(500)} == set("0123456789")
    assert is_well_formed_code("000000", 6)
    assert not is_well_formed_code("٠٠٠٠٠٠", 6)  # Arabic-Indic digits are not ASCII
    assert not is_well_formed_code(123456, 6)


def test_code_hashes_are_keyed_and_bound_to_the_email() -> None:
    digest = hash_code(KEY, "a@x.test", "123456")
    assert len(digest) == 64
    assert "123456" not in digest
    assert same_digest(digest, hash_code(KEY, "a@x.test", "123456"))
    assert not same_digest(digest, hash_code(KEY, "b@x.test", "123456"))
    assert not same_digest(digest, hash_code(b"j" * 32, "a@x.test", "123456"))
    # A code digest can never stand in for a token digest of the same text.
    assert digest != hash_token(KEY, "a@x.test\x00123456")


def test_session_tokens_carry_256_random_bits() -> None:
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) == 43 for t in tokens)


def test_a_short_secret_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        check_secret_key(b"short")
    assert check_secret_key(KEY) == KEY


@pytest.mark.parametrize(
    ("requested", "invited", "owners", "expected"),
    [
        (None, False, True, Role.CUSTOMER),
        (Role.CUSTOMER, False, True, Role.CUSTOMER),
        (Role.OWNER, False, True, Role.OWNER),
        (Role.OWNER, False, False, Forbidden),
        (Role.KITCHEN, False, True, Forbidden),
        (Role.ADMIN, False, True, Forbidden),
        (None, True, True, Role.KITCHEN),
        (Role.OWNER, True, True, Role.KITCHEN),
        (Role.ADMIN, True, True, Role.KITCHEN),
    ],
)
def test_the_role_of_a_new_account(
    requested: Role | None, invited: bool, owners: bool, expected: object
) -> None:
    if expected is Forbidden:
        with pytest.raises(Forbidden):
            role_for_new_user(requested, invited=invited, allow_owner_signup=owners)
    else:
        assert role_for_new_user(requested, invited=invited, allow_owner_signup=owners) is expected


def test_requested_roles_are_parsed_strictly() -> None:
    assert parse_requested_role(None) is None
    assert parse_requested_role("") is None
    assert parse_requested_role(" Rest ") is Role.OWNER
    assert parse_requested_role(Role.KITCHEN) is Role.KITCHEN
    for bad in ("owner", "root", 3):
        with pytest.raises(InvalidInput):
            parse_requested_role(bad)


def test_client_addresses_group_ipv6_by_64() -> None:
    assert client_address_key(" 203.0.113.9 ") == "203.0.113.9"
    assert client_address_key("2001:db8:1:2::1") == client_address_key("2001:DB8:1:2:ffff::9")
    assert client_address_key("2001:db8:1:2::1") != client_address_key("2001:db8:1:3::1")
    assert client_address_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_address_key("Unknown-Proxy") == "unknown-proxy"


def test_email_keys_are_stable_per_email() -> None:
    assert email_key("a@x.test") == email_key("a@x.test")
    assert email_key("a@x.test") != email_key("b@x.test")
    assert email_key("a@x.test").version == 5


def test_a_session_ends_at_the_earlier_of_idle_and_absolute_deadlines() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    user = User(uuid.uuid4(), "a@x.test", Role.OWNER, True, now, now)
    session = new_session(user, "h" * 64, now, AuthPolicy())
    assert session.actor.role is Role.OWNER
    assert session.deadline == now + timedelta(hours=1)
    later = session.touched(now + timedelta(minutes=90))
    assert later.deadline == now + timedelta(hours=2)
    assert later.is_live(now + timedelta(hours=2) - timedelta(microseconds=1))
    assert not later.is_live(now + timedelta(hours=2))
    assert not session.needs_touch(now + timedelta(seconds=59), 60)
    assert session.needs_touch(now + timedelta(seconds=60), 60)


@given(
    limit=st.integers(1, 50),
    previous=st.integers(0, 80),
    current=st.integers(0, 80),
    window_s=st.integers(1, 3600),
    fraction=st.floats(0, 0.999),
)
def test_after_retry_after_one_more_hit_is_admitted(
    limit: int, previous: int, current: int, window_s: int, fraction: float
) -> None:
    window = window_s * 1000
    elapsed = int(window * fraction)
    if admits(limit, previous, current, window, elapsed):
        assert max_count_after_hit(limit, previous, window, elapsed) >= current + 1
        return
    wait = retry_after(limit, previous, current, window, elapsed) * 1000
    assert wait >= 1000
    position = elapsed + wait
    if position < window:
        assert admits(limit, previous, current, window, position)
    elif position < 2 * window:
        assert admits(limit, current, 0, window, position - window)
    else:
        assert admits(limit, 0, 0, window, 0)
