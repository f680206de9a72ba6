"""Request ids, structured JSON logs and Prometheus metrics.

Every response carries ``X-Request-Id`` (the client's, when it sent a sane one); log records
written while a request is handled carry the same id. Metrics count requests and measure their
latency by route template and status, and show the event pipeline's position and backlog.
"""

from __future__ import annotations

import itertools
import os
import re
from typing import Any, cast

from litestar.types import Scope
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from restman_api.logs import AccessLog, JsonFormatter, configure_json_logging, request_id_var

__all__ = [
    "AccessLog",
    "JsonFormatter",
    "Metrics",
    "configure_json_logging",
    "new_request_id",
    "request_id_for",
    "request_id_var",
    "sane_request_id",
]
REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_KEY = "restman.request_id"
"""Where the request's id is remembered on the ASGI scope."""
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def _new_prefix() -> str:
    return os.urandom(10).hex()


# A fresh id is this process's random prefix (80 bits) and a counter: unique across processes
# without the cost of a uuid4 (an os.urandom call) per request. A forked child draws its own.
_prefix = _new_prefix()
_counter = itertools.count()


def _reseed() -> None:
    global _prefix, _counter
    _prefix = _new_prefix()
    _counter = itertools.count()


os.register_at_fork(after_in_child=_reseed)


def new_request_id() -> str:
    """A fresh request id: 32 hex digits, unique across processes (a random per-process
    prefix and a per-process counter)."""
    return f"{_prefix}{next(_counter):012x}"


def sane_request_id(sent: bytes) -> str | None:
    """The client's ``X-Request-Id`` value when it is sane (1 to 128 of letters, digits and
    ``._:-``, surrounding spaces ignored), else None."""
    if not sent:
        return None
    text = sent.decode("latin-1").strip()
    return text if _SANE_ID.match(text) else None


def request_id_for(scope: Scope) -> str:
    """The request's id: remembered on the scope, else the client's header when it is sane,
    else a fresh one (which is then remembered)."""
    raw = cast(dict[str, Any], scope)
    known = raw.get(REQUEST_ID_KEY)
    if isinstance(known, str):
        return known
    sent = next((v for k, v in raw.get("headers", []) if k == b"x-request-id"), b"")
    request_id = sane_request_id(sent) or new_request_id()
    raw[REQUEST_ID_KEY] = request_id
    return request_id


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The metrics label of a request method. Servers pass any method token through, so an
    invented one becomes ``OTHER``: a label value per made-up method would grow the registry
    without bound."""
    return method if method in KNOWN_METHODS else "OTHER"


class Metrics:
    """The app's metrics. Each app has its own registry (several apps may live in one test
    process); with ``PROMETHEUS_MULTIPROC_DIR`` set (``restman serve --workers N``) the
    exposition aggregates every worker process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter(
            "restman_http_requests", "HTTP requests", ["method", "route", "status"], registry=reg
        )
        self.latency = Histogram(
            "restman_http_request_duration_seconds",
            "HTTP request latency until the response headers are sent",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=reg,
        )
        self.unpublished = Gauge(
            "restman_events_unpublished",
            "Outbox events not yet published",
            registry=reg,
            multiprocess_mode="max",
        )
        self.last_seq = Gauge(
            "restman_events_last_seq",
            "Sequence of the last published event",
            registry=reg,
            multiprocess_mode="max",
        )
        self.stream_clients = Gauge(
            "restman_kitchen_stream_clients",
            "Connected kitchen stream clients",
            registry=reg,
            multiprocess_mode="livesum",
        )
        self.pipeline = Gauge(
            "restman_pipeline_worker",
            "Counters of the event pipeline workers running in this process (processed, "
            "failed_attempts, dead_lettered, lag; the relay's published, batches, failures, "
            "backlog)",
            ["worker", "counter"],
            registry=reg,
            multiprocess_mode="max",
        )
        self.stream_events = Counter(
            "restman_kitchen_stream_events", "Ticket events sent to kitchen streams", registry=reg
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)

    def show_pipeline(self, stats: dict[str, Any]) -> None:
        """Copy each worker's integer counters into the pipeline gauge."""
        for worker, counters in stats.items():
            for name in getattr(counters, "__dataclass_fields__", {}):
                value = getattr(counters, name, None)
                if isinstance(value, int) and not isinstance(value, bool):
                    self.pipeline.labels(worker, name).set(value)

    def observe(self, method: str, route: str, status: int, seconds: float | None) -> None:
        """Count one response of ``method`` on ``route`` (a template, or ``unmatched``) with
        ``status``, and its latency when ``seconds`` is given."""
        method = method_label(method)
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            # .labels() hashes the label values and takes a lock on every call; the children
            # are the same objects each time, so they are looked up once per key. The keys are
            # bounded: known methods, route templates, statuses.
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        if seconds is not None:
            children[1].observe(seconds)
