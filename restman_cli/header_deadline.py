"""A deadline for receiving a request's headers, for ``restman serve`` on uvicorn.

uvicorn waits for a request's headers without limit: a client that opens a connection and
sends half a request line, or headers that never end with the blank line, holds its connection
for ever, and a few hundred of them fill ``RESTMAN_MAX_CONNECTIONS`` so that real clients get
503. (The body has its own deadline inside the app, :mod:`restman_api.body_deadline`, but the
app only sees a request once its headers are complete.) :class:`HeaderDeadlineProtocol` is
uvicorn's httptools protocol with one change: from the moment a connection opens, and again
after each response while the connection waits for the next request, the whole header block
must arrive within the deadline, or the connection is closed without an answer, as nginx's
``client_header_timeout`` does. The deadline is ``RESTMAN_BODY_TIMEOUT_SECONDS``: one bound for
"the client stopped sending". granian bounds header reads itself (its ``header_read_timeout``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEADLINE_ENV = "RESTMAN_BODY_TIMEOUT_SECONDS"
DEFAULT_SECONDS = 30.0


def _deadline_seconds() -> float:
    """The deadline from the environment ``restman serve`` exports to every worker process."""
    try:
        seconds = float(os.environ.get(DEADLINE_ENV, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds > 0 else DEFAULT_SECONDS


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers do not arrive
    within the deadline. Nothing else changes: once the headers are in, the deadline is off
    (long responses such as the kitchen stream are not affected).

    A connection keeps at most one timer: each wait for headers only notes when it began, and
    the timer, when it fires, closes the connection if the current wait is older than the
    deadline or else sets itself for the rest of it. (Arming and cancelling a timer for every
    request of a kept-alive connection cost more than the rest of this class.)"""

    seconds: float | None = None  # read once per process, on the first connection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_headers()

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Pipelined requests already have their headers; otherwise the connection now waits
        # for the next request's, and uvicorn's keep-alive timer stops at its first byte.
        if not self.pipeline and not self.transport.is_closing():
            self._wait_for_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._waiting_since = None
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None
        super().connection_lost(exc)

    def _wait_for_headers(self) -> None:
        if HeaderDeadlineProtocol.seconds is None:
            HeaderDeadlineProtocol.seconds = _deadline_seconds()
        self._waiting_since = self.loop.time()
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(
                HeaderDeadlineProtocol.seconds, self._check_headers
            )

    def _check_headers(self) -> None:
        self._header_deadline = None
        since, seconds = self._waiting_since, HeaderDeadlineProtocol.seconds
        if since is None or seconds is None or self.transport.is_closing():
            return  # not waiting for headers: the next wait sets a timer again
        left = since + seconds - self.loop.time()
        if left > 0:
            self._header_deadline = self.loop.call_later(left, self._check_headers)
        else:
            self.transport.close()
