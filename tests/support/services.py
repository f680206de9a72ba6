"""Reaching the real services the suite talks to.

A test that needs PostgreSQL or Redis calls :func:`require` with a reachability probe: when the
service is down the test is skipped with the reason, unless ``RESTMAN_REQUIRE_SERVICES=1`` (set by
``.ci/run``), in which case it fails. CI never skips them.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import httpx
import pytest

from tests.support.workers import redis_database, worker_index

POSTGRES_ADMIN_URL = os.environ.get(
    "RESTMAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
T = TypeVar("T")

REDIS_TEST_URL = os.environ.get(
    "RESTMAN_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{redis_database()}"
)
# Distributed mode refuses to start without a configured key shared by every host.
TEST_SECRET_KEY = "test-secret-key-shared-by-every-host"


def services_required() -> bool:
    """True when missing services must fail the run instead of skipping."""
    return os.environ.get("RESTMAN_REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def require(name: str, reachable: bool, reason: str = "") -> None:
    """Skip (or, when services are required, fail) the calling test if ``name`` is down."""
    if reachable:
        return
    message = f"{name} is not reachable{': ' + reason if reason else ''}"
    if services_required():
        pytest.fail(f"{message} (RESTMAN_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# Under xdist each worker draws ports from a range of its own, below Linux's ephemeral range
# (32768 and up), so that a port one worker found free is never handed to another worker's server
# (or to an outgoing connection) in the moment before the first one binds it.
_WORKER_PORTS_START = 10_000
_WORKER_PORTS_PER_WORKER = 2_500
_WORKER_SLOTS = 8
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (and, under xdist, one of this
    worker's own range that this process has not handed out before)."""
    index = worker_index()
    if index is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    start = _WORKER_PORTS_START + (index % _WORKER_SLOTS) * _WORKER_PORTS_PER_WORKER
    candidates = [p for p in range(start, start + _WORKER_PORTS_PER_WORKER) if p not in _handed_out]
    if not candidates:  # a long run went round its whole range: start it again
        _handed_out.clear()
        candidates = list(range(start, start + _WORKER_PORTS_PER_WORKER))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in {start}..{start + _WORKER_PORTS_PER_WORKER - 1}")


def _shown(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _gave_up(what: str, timeout: float, last: object) -> NoReturn:
    pytest.fail(
        f"waited {timeout} s for {what}; the last value seen was {_shown(last)}", pytrace=False
    )


async def wait_for(
    probe: Callable[[], Awaitable[T]],
    *,
    what: str,
    until: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.05,
) -> T:
    """Poll ``probe`` until ``until`` holds for what it returns (by default: until it is truthy)
    and return that value. On timeout fail the test naming ``what`` was awaited and the last
    value the probe returned, so a failure says what was seen, not only that time ran out."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            _gave_up(what, timeout, value)
        await asyncio.sleep(interval)


def wait_for_sync(
    probe: Callable[[], T],
    *,
    what: str,
    until: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.05,
) -> T:
    """Blocking variant of :func:`wait_for`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            _gave_up(what, timeout, value)
        time.sleep(interval)


# uvicorn closes a connection idle for 5 s, and httpx keeps one for reuse up to 5 s: a request
# sent on a pooled connection just as the server closes it fails with a ReadError. Clients of
# real servers let idle connections go well before the server does.
SERVED_CLIENT_LIMITS = httpx.Limits(keepalive_expiry=2.0)
