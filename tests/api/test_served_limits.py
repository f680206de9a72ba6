"""A real ``restman serve`` on a real socket defends itself: a client cannot pick its own
address with ``X-Forwarded-For`` unless it is a configured proxy, and a request body that never
finishes is cut off within the configured bound while other requests keep being served."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.restman_processes import embedded_env, restman_processes
from tests.support.services import SERVED_CLIENT_LIMITS, free_port, wait_for

pytestmark = [pytest.mark.slow]

PER_ADDRESS = 30
ATTEMPTS = 40
BODY_TIMEOUT = 2.0


async def _served(tmp_path: Path, **extra: str) -> AsyncIterator[str]:
    env = embedded_env(
        tmp_path / "data",
        RESTMAN_AUTH_RATE_LIMIT_PER_ADDRESS=str(PER_ADDRESS),
        RESTMAN_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT),
        **extra,
    )
    port = free_port()
    with restman_processes(tmp_path / "logs") as processes:
        await processes.serve(env, port)
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def untrusting(tmp_path: Path) -> AsyncIterator[str]:
    """A server trusting no proxy (the default)."""
    async for url in _served(tmp_path):
        yield url


@pytest.fixture
async def behind_loopback_proxy(tmp_path: Path) -> AsyncIterator[str]:
    """A server told its proxy is on loopback."""
    async for url in _served(tmp_path, RESTMAN_TRUSTED_PROXIES="127.0.0.1,::1"):
        yield url


async def _spoofed_verifies(base_url: str) -> list[int]:
    """Verifies for fresh emails, each claiming another client address."""
    statuses = []
    async with httpx.AsyncClient(
        limits=SERVED_CLIENT_LIMITS, base_url=base_url, timeout=30
    ) as client:
        for attempt in range(ATTEMPTS):
            response = await client.post(
                "/api/auth/verify-otp",
                json={"email": f"u{uuid.uuid4().hex[:10]}@example.com", "code": "000000"},
                headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


async def test_a_spoofed_forwarded_for_from_loopback_does_not_dodge_the_address_limit(
    untrusting: str,
) -> None:
    statuses = await _spoofed_verifies(untrusting)
    assert 429 not in statuses[:PER_ADDRESS], statuses
    assert set(statuses[PER_ADDRESS:]) == {429}, statuses


async def test_a_configured_proxy_is_believed(behind_loopback_proxy: str) -> None:
    statuses = await _spoofed_verifies(behind_loopback_proxy)
    assert 429 not in statuses, statuses


def _stalled_request(port: int) -> tuple[bytes, float]:
    """Headers and half a body, then silence: the server's whole answer, and how long after
    the stall it began. An empty answer means the server closed the connection."""
    head = (
        "POST /api/auth/request-otp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(head.encode() + b'{"email": "slow')
        started = time.monotonic()
        # Far beyond the bound: without it the server would wait for the rest for ever.
        connection.settimeout(BODY_TIMEOUT + 30)
        try:
            answer = connection.recv(4096)
        except TimeoutError:
            return b"(no answer)", time.monotonic() - started
        seconds = time.monotonic() - started
        # The rest of the answer may come in further segments; the server then closes.
        while chunk := _more(connection):
            answer += chunk
        return answer, seconds


def _more(connection: socket.socket) -> bytes:
    try:
        return connection.recv(4096)
    except (TimeoutError, ConnectionResetError):
        return b""


async def test_a_body_that_never_finishes_is_cut_off_and_others_are_served(
    untrusting: str,
) -> None:
    port = int(untrusting.rsplit(":", 1)[1])
    stalled = asyncio.create_task(asyncio.to_thread(_stalled_request, port))
    async with httpx.AsyncClient(
        limits=SERVED_CLIENT_LIMITS, base_url=untrusting, timeout=10
    ) as client:
        # While the slow client holds its connection, others are served.
        while not stalled.done():
            assert (await client.get("/health")).status_code == 200
            await asyncio.wait({stalled}, timeout=0.2)
        answer, seconds = await stalled
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
        assert b"REQUEST_TIMEOUT" in answer or answer == b""
        # Cut off at the bound, with room for a loaded machine.
        assert BODY_TIMEOUT - 0.5 <= seconds < BODY_TIMEOUT + 15, seconds

        async def health() -> int:
            return (await client.get("/health")).status_code

        await wait_for(health, until=lambda s: s == 200, what="/health after the cut-off")


def _stalled_headers(port: int) -> tuple[bytes, float]:
    """Half a header block, then silence: what the server sent, and how long after the stall
    it closed the connection (``(no answer)`` if it kept waiting far past the bound)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        connection.settimeout(BODY_TIMEOUT + 30)
        try:
            answer = connection.recv(4096)
        except TimeoutError:
            return b"(no answer)", time.monotonic() - started
        except ConnectionResetError:
            answer = b""
        return answer, time.monotonic() - started


async def test_headers_that_never_finish_are_cut_off_and_others_are_served(
    untrusting: str,
) -> None:
    port = int(untrusting.rsplit(":", 1)[1])
    stalled = asyncio.create_task(asyncio.to_thread(_stalled_headers, port))
    async with httpx.AsyncClient(
        limits=SERVED_CLIENT_LIMITS, base_url=untrusting, timeout=10
    ) as client:
        while not stalled.done():
            assert (await client.get("/health")).status_code == 200
            await asyncio.wait({stalled}, timeout=0.2)
    answer, seconds = await stalled
    assert answer == b"", answer  # closed without an answer: there was no request to answer
    assert BODY_TIMEOUT - 0.5 <= seconds < BODY_TIMEOUT + 15, seconds


def _whole_response(connection: socket.socket) -> bytes:
    """One HTTP response read to its end: the head, then ``Content-Length`` bytes of body (the
    server may send them in separate segments)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = connection.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


async def test_a_kept_alive_connection_still_serves_its_next_request(untrusting: str) -> None:
    """The header deadline re-arms between requests without cutting a connection in use: two
    requests, one after the other, on one connection."""
    port = int(untrusting.rsplit(":", 1)[1])

    def two_requests() -> list[bytes]:
        answers = []
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            for _ in range(2):
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answers.append(_whole_response(connection))
        return answers

    answers = await asyncio.to_thread(two_requests)
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers), answers
    assert all(a.endswith(b'"healthy","service":"api-gateway"}') for a in answers), answers
