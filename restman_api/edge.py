"""The one ASGI layer every HTTP request passes through, around the whole Litestar app.

What it does for each request, in one place (each of these used to be a middleware or a
``before_send`` hook of its own, and each layer costs a call and a closure per request):

- the request id (:func:`restman_api.observability.request_id_for`): bound to the log context
  while the request runs and sent back as ``X-Request-Id`` on every response, unmatched routes,
  405s and CORS preflights included;
- metrics: every response counted by method, route template (``unmatched`` when no route
  matched) and status; the latency of matched routes measured until the response headers;
- the access line of every matched request (:class:`restman_api.logs.AccessLog`, which does
  the sampling);
- the ``Allow`` header of ``OPTIONS`` answers (:func:`restman_api.allow.allow_header`);
- the body deadline (:func:`restman_api.body_deadline.deadline_receive`) for requests that
  carry a body. An HTTP/1 request without ``Content-Length`` (or with ``0``) and without
  ``Transfer-Encoding`` has no body by definition (RFC 9112 6.3), so there is nothing to wait
  for; over other protocol versions every request is bounded.

It wraps Litestar's own ASGI handler (routing, exception handling and CORS), so it sees the
answers Litestar gives without reaching a route, and a route's own exception handling sees the
408 the deadline raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from restman_api.allow import allow_header
from restman_api.body_deadline import deadline_receive
from restman_api.logs import AccessLog, request_id_var
from restman_api.observability import REQUEST_ID_KEY, Metrics, new_request_id, sane_request_id

_ID_HEADER = b"x-request-id"
_HTTP1 = frozenset({"1.0", "1.1"})


def _read_headers(headers: Any, http_version: str) -> tuple[bytes, bool]:
    """The client's ``X-Request-Id`` (``b""`` if none) and whether the request has a body,
    from one pass over the request headers."""
    sent = b""
    body = http_version not in _HTTP1
    for name, value in headers:
        if name == _ID_HEADER:
            sent = value
        elif name == b"content-length":
            body = body or value.strip() != b"0"
        elif name == b"transfer-encoding":
            body = True
    return sent, body


def edge_middleware(
    metrics: Metrics, access: AccessLog, body_seconds: float
) -> Callable[[ASGIApp], ASGIApp]:
    """The layer as a factory of the app it wraps: ``metrics`` counts, ``access`` writes the
    access lines, ``body_seconds`` is the body deadline."""
    observe = metrics.observe
    write = access.write

    def factory(app: ASGIApp) -> ASGIApp:
        async def edge(scope: Scope, receive: Receive, send: Send) -> None:
            raw = cast(dict[str, Any], scope)
            if raw["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            sent, has_body = _read_headers(raw["headers"], raw.get("http_version", "1.1"))
            request_id = sane_request_id(sent) or new_request_id()
            raw[REQUEST_ID_KEY] = request_id
            stamp = (_ID_HEADER, request_id.encode("latin-1"))
            method = str(raw["method"])
            status = 500
            token = request_id_var.set(request_id)

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    template = raw.get("path_template")
                    headers = [h for h in message.get("headers", ()) if h[0] != _ID_HEADER]
                    headers.append(stamp)
                    if method == "OPTIONS" and template is not None:
                        allow = allow_header(raw["app"], template)
                        if allow is not None:
                            headers = [h for h in headers if h[0].lower() != b"allow"]
                            headers.append((b"allow", allow))
                    message["headers"] = headers
                    if template is None:
                        observe(method, "unmatched", status, None)
                    else:
                        observe(method, template, status, time.perf_counter() - started)
                await send(message)

            try:
                await app(
                    scope, deadline_receive(receive, body_seconds) if has_body else receive, sending
                )
            finally:
                if raw.get("path_template") is not None:
                    write(method, str(raw["path"]), status, started)
                request_id_var.reset(token)

        return edge

    return factory


class EdgeLitestar(Litestar):
    """Litestar with :func:`edge_middleware` (or any ``edge`` factory) around its ASGI handler,
    outside routing, so that it sees every HTTP request."""

    def __init__(self, *args: Any, edge: Callable[[ASGIApp], ASGIApp], **kwargs: Any) -> None:
        # Litestar builds its ASGI handler inside __init__, through _create_asgi_handler.
        self._edge = edge
        super().__init__(*args, **kwargs)

    def _create_asgi_handler(self) -> ASGIApp:
        return self._edge(super()._create_asgi_handler())
