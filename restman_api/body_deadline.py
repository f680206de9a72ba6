"""A deadline for receiving a request body: a client that never finishes sending is cut off.

An ASGI server hands the body to the app as it arrives and waits for the rest without limit, so
a client sending headers and half a body can hold a connection (and the handler waiting for
it) forever; a few hundred of them starve the server. :func:`body_deadline` wraps the ASGI
``receive`` of every HTTP request: the whole body must have arrived within ``seconds`` of the
request reaching the app, or the read raises a 408 (``REQUEST_TIMEOUT``, with
``Connection: close``, so the server drops the connection instead of waiting for the rest of
the body). Requests whose handler reads no body are not affected, nor are long responses such
as the kitchen stream: only waiting for the client's bytes is bounded.

The number of connections a server process holds at once (slow ones included) is bounded by
the server itself (``RESTMAN_MAX_CONNECTIONS``, see ``restman_cli.serve``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send


def body_deadline(seconds: float) -> Any:
    """An ASGI middleware factory bounding the time to receive each request body to
    ``seconds`` from the start of the request."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            deadline = time.monotonic() + seconds

            async def receiving() -> ReceiveMessage:
                remaining = deadline - time.monotonic()
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(remaining):
                        return await receive()
                except TimeoutError:
                    raise HTTPException(
                        status_code=408,
                        detail=f"the request body did not arrive within {seconds:g} s",
                        headers={"Connection": "close"},
                    ) from None

            await app(scope, receiving, send)

        return middleware

    return factory
