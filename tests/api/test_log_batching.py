"""The JSON log handler a served process uses (restman_api.logs.LoopBatchingHandler): lines of
one event-loop pass written together, never reordered, never left behind by a flush; and the
access line written straight to it is the line its record would have made."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from restman_api.logs import (
    ACCESS_LOGGER,
    AccessLog,
    JsonFormatter,
    LoopBatchingHandler,
    request_id_var,
)
from tests.support.services import wait_for


class CountingStream(io.StringIO):
    """A stream that counts its writes (each one a system call on a real stderr)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def served() -> Iterator[tuple[LoopBatchingHandler, CountingStream]]:
    """The root logger set up as configure_json_logging does, on a counting stream; the
    previous root handlers and level are restored afterwards."""
    stream = CountingStream()
    handler = LoopBatchingHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_handlers, old_level = root.handlers[:], root.level
    access = logging.getLogger(ACCESS_LOGGER)
    old_access = access.level
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    access.setLevel(logging.NOTSET)
    try:
        yield handler, stream
    finally:
        root.handlers[:] = old_handlers
        root.setLevel(old_level)
        access.setLevel(old_access)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_lines_of_one_loop_pass_are_written_together_in_order(
    served: tuple[LoopBatchingHandler, CountingStream],
) -> None:
    _, stream = served
    log = logging.getLogger("restman_test.batch")
    for n in range(5):
        log.info("line %d", n)
    assert stream.getvalue() == ""  # kept until the loop's next pass

    async def written() -> int:
        return len(_lines(stream))

    await wait_for(written, until=lambda n: n == 5, what="the kept lines")
    assert [r["message"] for r in _lines(stream)] == [f"line {n}" for n in range(5)]
    assert stream.writes == 1


async def test_a_line_from_outside_the_loop_comes_after_the_kept_ones(
    served: tuple[LoopBatchingHandler, CountingStream],
) -> None:
    _, stream = served
    log = logging.getLogger("restman_test.batch")
    log.info("from the loop")
    await asyncio.to_thread(log.info, "from a thread")
    # The thread's line is written at once, the kept line before it.
    assert [r["message"] for r in _lines(stream)] == ["from the loop", "from a thread"]


async def test_flush_writes_every_kept_line(
    served: tuple[LoopBatchingHandler, CountingStream],
) -> None:
    handler, stream = served
    logging.getLogger("restman_test.batch").info("kept")
    handler.flush()  # what logging.shutdown does at exit
    assert [r["message"] for r in _lines(stream)] == ["kept"]


def test_without_a_loop_each_line_is_written_at_once(
    served: tuple[LoopBatchingHandler, CountingStream],
) -> None:
    _, stream = served
    logging.getLogger("restman_test.batch").info("now")
    assert [r["message"] for r in _lines(stream)] == ["now"]


@pytest.mark.parametrize("path", ["/api/x", '/api/"quoted"\\ caf\u00e9 \U0001f600\n'])
def test_the_direct_access_line_is_the_line_of_its_record(
    served: tuple[LoopBatchingHandler, CountingStream], path: str
) -> None:
    handler, stream = served
    log = AccessLog()
    token = request_id_var.set("direct-1")
    try:
        log.write("GET", path, 201, time.perf_counter())  # straight to the handler
        handler.addFilter(lambda _record: True)  # a filter: the record path
        log.write("GET", path, 201, time.perf_counter())
    finally:
        request_id_var.reset(token)
        handler.filters.clear()
    direct, recorded = _lines(stream)
    for entry in (direct, recorded):
        assert entry.pop("ts").endswith("Z")
        assert entry.pop("duration_ms") >= 0
    assert direct == recorded
    assert direct == {
        "level": "info",
        "logger": ACCESS_LOGGER,
        "message": f"GET {path} 201",
        "request_id": "direct-1",
        "method": "GET",
        "path": path,
        "status": 201,
    }
