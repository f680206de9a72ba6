"""The request layer around the app (restman_api.edge): request ids, counts per series, the
request id on answers no route gave, and which requests get a body deadline."""

from __future__ import annotations

import re
import subprocess
import sys

from restman_api.edge import _read_headers
from restman_api.observability import new_request_id, sane_request_id
from tests.api.harness import Harness

FRESH_ID = re.compile(r"^[0-9a-f]{32}$")


def _count(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_each_response_is_counted_once_in_its_series(harness: Harness) -> None:
    series = 'restman_http_requests_total{method="GET",route="/api/restaurants",status="200"}'
    unmatched = 'restman_http_requests_total{method="GET",route="unmatched",status="404"}'
    before = (await harness.client.get("/metrics")).text
    for _ in range(3):
        assert (await harness.client.get("/api/restaurants")).status_code == 200
    for _ in range(2):
        assert (await harness.client.get("/no/such/route")).status_code == 404
    after = (await harness.client.get("/metrics")).text
    assert _count(after, series) - _count(before, series) == 3
    assert _count(after, unmatched) - _count(before, unmatched) == 2


async def test_answers_without_a_route_carry_a_fresh_request_id(harness: Harness) -> None:
    missing = await harness.client.get("/no/such/route")
    wrong_method = await harness.client.delete("/api/orders")
    ids = {missing.headers["x-request-id"], wrong_method.headers["x-request-id"]}
    assert wrong_method.status_code == 405
    assert len(ids) == 2
    assert all(FRESH_ID.match(i) for i in ids), ids


async def test_a_sane_client_id_is_kept_and_an_insane_one_replaced(harness: Harness) -> None:
    kept = await harness.client.get("/health", headers={"X-Request-Id": " client-id.1:a "})
    assert kept.headers["x-request-id"] == "client-id.1:a"
    replaced = await harness.client.get("/health", headers={"X-Request-Id": "no spaces <>"})
    assert FRESH_ID.match(replaced.headers["x-request-id"])
    assert sane_request_id(b"x" * 129) is None
    assert sane_request_id(b"") is None


def test_fresh_ids_differ_within_a_process_and_between_processes() -> None:
    mine = [new_request_id() for _ in range(1000)]
    assert len(set(mine)) == 1000
    assert all(FRESH_ID.match(i) for i in mine)
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "from restman_api.observability import new_request_id as n; print(n())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert FRESH_ID.match(other)
    # The counter restarts in every process, so the per-process prefix must differ.
    assert other[:20] != mine[0][:20]


def test_only_requests_that_carry_a_body_are_given_a_deadline() -> None:
    assert _read_headers([(b"host", b"h")], "1.1") == (b"", False)
    assert _read_headers([(b"content-length", b"0")], "1.1") == (b"", False)
    assert _read_headers([(b"content-length", b"12")], "1.1") == (b"", True)
    assert _read_headers([(b"transfer-encoding", b"chunked")], "1.0") == (b"", True)
    # Other protocol versions may send a body without either header.
    assert _read_headers([], "2") == (b"", True)
    assert _read_headers([(b"x-request-id", b"abc")], "1.1") == (b"abc", False)
