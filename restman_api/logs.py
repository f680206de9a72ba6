"""JSON logs on stderr, and the one access line each request writes.

Contracts:

- :func:`configure_json_logging` sends every record to stderr as one JSON object per line
  (through a :class:`LoopBatchingHandler`: the lines of one event-loop pass are written
  together at the start of the next, in order), and silences the ASGI servers' own access
  loggers (``uvicorn.access``, ``granian.access``): the app writes its own access line, with
  the request id, so a request is logged exactly once.
- :class:`AccessLog` writes that line (logger ``restman_api.access``, level INFO) for every
  request, for none, or for one request in N and every 5xx (``RESTMAN_ACCESS_LOG`` =
  ``on`` | ``off`` | ``sample:N``).

The access line is on the hot path of every request, so both the record and its formatting
avoid the costly parts of :mod:`logging` that carry nothing here (the caller's frame lookup,
process and thread names, a datetime per record); see the comments where that happens.
"""

from __future__ import annotations

import asyncio
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
_json_text = json.encoder.encode_basestring_ascii  # a str as a JSON string, as json.dumps does
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
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        direct = _direct_handler(logger)
        if direct is not None:
            # The line the record would become, without building the record.
            formatter: JsonFormatter = direct.formatter  # type: ignore[assignment]
            line = formatter.access_line(logger.name, method, path, status, duration_ms)
            direct.emit_text(line + direct.terminator)
            return
        extra = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
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


def _direct_handler(logger: logging.Logger) -> LoopBatchingHandler | None:
    """The handler an INFO record of ``logger`` would reach when it is the only one, a
    :class:`LoopBatchingHandler` with a :class:`JsonFormatter`, and no filter could drop or
    change the record on the way (what :func:`configure_json_logging` sets up); else None."""
    if logger.filters:
        return None
    found: logging.Handler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if found is not None:
                return None
            found = handler
        if not current.propagate:
            break
        current = current.parent
    if (
        type(found) is not LoopBatchingHandler
        or found.filters
        or found.level > logging.INFO
        or type(found.formatter) is not JsonFormatter
    ):
        return None
    return found


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
        # json.dumps(..., default=str) builds a new encoder for every call.
        self._encode = json.JSONEncoder(default=str).encode

    def _timestamp(self, created: float) -> str:
        # The date and time of day change once a second; format them once per second and add
        # the microseconds (a datetime per record costs more than the rest of the line).
        second = int(created)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._prefix}.{int((created - second) * 1_000_000):06d}Z"

    def access_line(
        self, logger: str, method: str, path: str, status: int, duration_ms: float
    ) -> str:
        """What :meth:`format` makes of the access record of ``method path status`` taking
        ``duration_ms``, written now (see :class:`AccessLog`)."""
        # Written out rather than through a dict and the encoder: the same text json.dumps
        # gives (ASCII escapes, ", " and ": " separators, repr of the float), for a line
        # written on every request.
        text = _json_text
        request_id = request_id_var.get()
        rid = f', "request_id": {text(request_id)}' if request_id else ""
        return (
            f'{{"ts": "{self._timestamp(time.time())}", "level": "info", '
            f'"logger": {text(logger)}, "message": {text(f"{method} {path} {status}")}{rid}, '
            f'"method": {text(method)}, "path": {text(path)}, "status": {int(status)}, '
            f'"duration_ms": {float(duration_ms)!r}}}'
        )

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
        return self._encode(entry)


class LoopBatchingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes the records of one event-loop pass in one write.

    On a thread running an event loop, a formatted line is kept and the loop is asked to write
    the kept lines at the start of its next pass (``call_soon``): under load one pass answers
    several requests, and one write (a system call) carries all their lines instead of one
    each. Lines are never reordered: a record emitted outside a running loop, a full batch
    (:attr:`MAX_BATCH` lines) and :meth:`flush` (which :func:`logging.shutdown` calls at exit)
    write every kept line first. A line waits at most until the loop's next pass."""

    MAX_BATCH = 256

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._kept: list[str] = []
        # The loop asked to write the kept lines; a loop closed before its pass ran leaves
        # the lines for the next emit or flush, and a new loop is asked again.
        self._asked: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Handler.handle holds self.lock around emit.
        try:
            self._keep(self.format(record) + self.terminator)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def emit_text(self, text: str) -> None:
        """Write ``text`` (a formatted line with its terminator) as a record would be."""
        with self.lock:  # type: ignore[union-attr]
            try:
                self._keep(text)
            except RecursionError:
                raise
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": text}))

    def _keep(self, text: str) -> None:
        self._kept.append(text)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or len(self._kept) >= self.MAX_BATCH:
            self._write_kept()
        elif self._asked is not loop:
            self._asked = loop
            loop.call_soon(self.flush)

    def _write_kept(self) -> None:
        if self._kept:
            text = "".join(self._kept)
            self._kept.clear()
            self.stream.write(text)
            self.stream.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._asked = None
            self._write_kept()
            super().flush()


def configure_json_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON (the API server's processes call this), and
    turn the servers' own access lines off: the app writes one per request itself."""
    handler = LoopBatchingHandler()
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
