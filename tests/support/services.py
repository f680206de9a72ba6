"""Reaching the real services the suite talks to.

A test that needs PostgreSQL or Redis calls :func:`require` with a reachability probe: when the
service is down the test is skipped with the reason, unless ``RESTMAN_REQUIRE_SERVICES=1`` (set by
``.ci/run``), in which case it fails. CI never skips them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "RESTMAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("RESTMAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(
    condition: Callable[[], Awaitable[bool]],
    *,
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "condition",
    last: Callable[[], object] | None = None,
) -> None:
    """Poll ``condition`` until it is true; fail the test on timeout with a message naming
    ``what`` was awaited and, when ``last`` is given, the last value it saw."""
    deadline = time.monotonic() + timeout
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            seen = f"; last seen: {last()!r}" if last is not None else ""
            pytest.fail(f"{what} not met within {timeout} s{seen}", pytrace=False)
        await asyncio.sleep(interval)


def wait_for_sync(
    condition: Callable[[], bool], *, timeout: float = 10.0, interval: float = 0.05
) -> None:
    """Blocking variant of :func:`wait_for`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s", pytrace=False)
        time.sleep(interval)
