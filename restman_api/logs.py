"""JSON logs on stderr, and the one access line each request writes.

Contracts:

- :func:`configure_json_logging` sends every record to stderr as one JSON object per line, and
  silences the ASGI servers' own access loggers (``uvicorn.access``, ``granian.access``): the
  app writes its own access line, with the request id, so a request is logged exactly once.
- :class:`AccessLog` writes that line (logger ``restman_api.access``, level INFO) for every
  request, for none, or for one request in N and every 5xx (``RESTMAN_ACCESS_LOG`` =
  ``on`` | ``off`` | ``sample:N``).

The access line is on the hot path of every request, so both the record and its formatting
avoid the costly parts of :mod:`logging` that carry nothing here (the caller's frame lookup,
process and thread names, a datetime per record); see the comments where that happens.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "restman_request_id", default=None
)
ACCESS_LOGGER = "restman_api.access"
ACCESS_LOG_VALUES = re.compile(r"^(on|off|sample:[1-9][0-9]*)$")
SERVER_ACCESS_LOGGERS = ("uvicorn.access", "granian.access")


def access_log_every(setting: str) -> int:
    """How many requests per access line ``setting`` asks for: ``on`` 1, ``off`` 0 (none),
    ``sample:N`` N. Raises ValueError for anything else."""
    text = setting.strip().lower()
    if not ACCESS_LOG_VALUES.match(text):
        raise ValueError(f"access log must be on, off or sample:N, not {setting!r}")
    if text == "on":
        return 1
    if text == "off":
        return 0
    return int(text.split(":", 1)[1])


class AccessLog:
    """Writes the access line of a request: every request when ``every`` is 1, one in
    ``every`` (and every 5xx) above that, none at 0."""

    def __init__(self, every: int = 1) -> None:
        if every < 0:
            raise ValueError("every must be 0 (off) or more")
        self.every = every
        self._seen = 0
        self._logger = logging.getLogger(ACCESS_LOGGER)

    def write(self, method: str, path: str, status: int, started: float) -> None:
        """Log ``method path status`` with the request's duration since ``started``
        (a :func:`time.perf_counter` reading), when this request is one to log."""
        if self.every == 0:
            return
        if self.every > 1 and status < 500:
            self._seen += 1
            if self._seen % self.every:
                return
        logger = self._logger
        if not logger.isEnabledFor(logging.INFO):
            return
        extra = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        # makeRecord + handle instead of logger.info: the same record and handlers, without
        # the stack walk logger.info does to find the caller (nobody reads it here).
        record = logger.makeRecord(
            logger.name,
            logging.INFO,
            __file__,
            0,
            "%s %s %s",
            (method, path, status),
            None,
            extra=extra,
        )
        logger.handle(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, error."""

    _SKIP = frozenset(vars(logging.makeLogRecord({}))) | {
        "message",
        "asctime",
        "taskName",
        "color_message",
    }

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._prefix = ""

    def _timestamp(self, created: float) -> str:
        # The date and time of day change once a second; format them once per second and add
        # the microseconds (a datetime per record costs more than the rest of the line).
        second = int(created)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._prefix}.{int((created - second) * 1_000_000):06d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        fields = record.__dict__
        for key in fields.keys() - self._SKIP:
            entry[key] = fields[key]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON (the API server's processes call this), and
    turn the servers' own access lines off: the app writes one per request itself."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # No JSON field shows them, and LogRecord looks each up for every record.
    logging.logMultiprocessing = False
    logging.logProcesses = False
    logging.logThreads = False
    for name in ("uvicorn", "uvicorn.error", "granian"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    for name in SERVER_ACCESS_LOGGERS:
        # uvicorn writes its access line whenever ``uvicorn.access`` has a handler, its own or
        # an ancestor's through propagation: with neither, it does not even format it.
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = False
        logger.disabled = True
