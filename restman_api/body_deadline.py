"""A deadline for receiving a request body: a client that never finishes sending is cut off.

An ASGI server hands the body to the app as it arrives and waits for the rest without limit, so
a client sending headers and half a body can hold a connection (and the handler waiting for
it) forever; a few hundred of them starve the server. :func:`deadline_receive` wraps the ASGI
``receive`` of every HTTP request that has a body (:mod:`restman_api.edge` decides which): the
whole body must have arrived within ``seconds`` of the request reaching the app, or the read
raises a 408 (``REQUEST_TIMEOUT``, with
``Connection: close``, so the server drops the connection instead of waiting for the rest of
the body). Requests whose handler reads no body are not affected, nor are long responses such
as the kitchen stream: only waiting for the client's bytes is bounded.

The number of connections a server process holds at once (slow ones included) is bounded by
the server itself (``RESTMAN_MAX_CONNECTIONS``, see ``restman_cli.serve``).
"""

from __future__ import annotations

import asyncio
import time

from litestar.exceptions import HTTPException
from litestar.types import Receive, ReceiveMessage


def deadline_receive(receive: Receive, seconds: float) -> Receive:
    """``receive`` bounded so that every read must complete within ``seconds`` from now (the
    start of the request); a read past that raises HTTPException 408."""
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

    return receiving
