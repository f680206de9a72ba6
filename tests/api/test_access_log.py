"""One access line per request: a served process writes exactly one line for each request
(not the server's and the app's), and ``RESTMAN_ACCESS_LOG`` turns it off or samples it."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from restman_api.logs import ACCESS_LOGGER, AccessLog, JsonFormatter, access_log_every
from tests.support.restman_processes import embedded_env, restman_processes
from tests.support.services import SERVED_CLIENT_LIMITS, free_port, wait_for

pytestmark = pytest.mark.slow


def _records(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


def _lines_with(text: str, request_id: str) -> list[dict[str, Any]]:
    return [r for r in _records(text) if request_id in json.dumps(r)]


async def test_a_served_process_writes_one_access_line_per_request(tmp_path: Path) -> None:
    port = free_port()
    env = embedded_env(tmp_path / "data", RESTMAN_LOG_LEVEL="INFO")
    with restman_processes(tmp_path / "logs") as processes:
        server = await processes.serve(env, port)
        ids = [f"one-line-{n}" for n in range(5)]
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS, base_url=f"http://127.0.0.1:{port}", timeout=15
        ) as client:
            for request_id in ids:
                r = await client.get("/api/restaurants", headers={"X-Request-Id": request_id})
                assert r.status_code == 200
            # Requests are sequential and a server logs before the response reaches the
            # client, so once the fence's line is there every earlier line is too.
            fence = await client.get("/health", headers={"X-Request-Id": "one-line-fence"})
            assert fence.status_code == 200

        async def fence_lines() -> int:
            return len(_lines_with(server.output(), "one-line-fence"))

        await wait_for(fence_lines, what="the fence request's access line", timeout=30)
        output = server.output()
        for request_id in ids:
            lines = _lines_with(output, request_id)
            assert len(lines) == 1, lines
            assert lines[0]["logger"] == ACCESS_LOGGER
            assert lines[0]["status"] == 200
            assert lines[0]["path"] == "/api/restaurants"
        assert not [r for r in _records(output) if r.get("logger") == "uvicorn.access"]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def _statuses(stream: io.StringIO) -> list[int]:
    return [int(r["status"]) for r in _records(stream.getvalue())]


def test_every_request_is_logged_by_default(captured: io.StringIO) -> None:
    log = AccessLog(access_log_every("on"))
    for status in (200, 201, 404):
        log.write("GET", "/x", status, time.perf_counter())
    assert _statuses(captured) == [200, 201, 404]
    record = _records(captured.getvalue())[0]
    assert record["message"] == "GET /x 200"
    assert record["method"] == "GET"
    assert record["ts"].endswith("Z")
    assert record["duration_ms"] >= 0


def test_off_logs_nothing(captured: io.StringIO) -> None:
    log = AccessLog(access_log_every("off"))
    for status in (200, 500):
        log.write("GET", "/x", status, time.perf_counter())
    assert captured.getvalue() == ""


def test_a_sample_logs_one_request_in_n_and_every_server_error(captured: io.StringIO) -> None:
    log = AccessLog(access_log_every("sample:3"))
    for status in (200, 200, 201, 503, 200, 200, 204):
        log.write("GET", "/x", status, time.perf_counter())
    assert _statuses(captured) == [201, 503, 204]


@pytest.mark.parametrize("setting", ["sometimes", "sample:0", "sample:", "sample:x"])
def test_an_unknown_setting_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match="on, off or sample:N"):
        access_log_every(setting)


def test_the_timestamp_is_utc_with_microseconds() -> None:
    formatter = JsonFormatter()
    record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "name": "t"})
    record.created = 1_700_000_000.25
    entry = json.loads(formatter.format(record))
    assert entry["ts"] == "2023-11-14T22:13:20.250000Z"
    assert entry["message"] == "hello"
    assert entry["level"] == "info"
