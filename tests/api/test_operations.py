"""Health, readiness, metrics, CORS, JSON logs and the once-only pipeline lock."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_api.observability import JsonFormatter
from restman_api.pipeline import _take_lock
from tests.api.harness import Harness, running_api
from tests.support.services import free_port, wait_for

CONTEXTS = {
    "auth": "auth-service",
    "restaurants": "restaurant-service",
    "orders": "order-service",
    "kitchen": "kitchen-service",
    "billing": "billing-service",
    "analytics": "analytics-service",
}


async def test_health_routes_are_public(harness: Harness) -> None:
    for path in ("/health", "/api/health", *(f"/api/{c}/health" for c in CONTEXTS)):
        r = await harness.client.get(path)
        assert r.status_code == 200, path
        assert r.json()["status"] == "healthy"
    for context, service in CONTEXTS.items():
        assert (await harness.client.get(f"/api/{context}/health")).json()["service"] == service


async def test_ready_checks_the_configured_backends(harness: Harness) -> None:
    # A probe slower than its 3 s bound answers 503 by design (an orchestrator polls and
    # tolerates a few), and on a heavily loaded machine one can be (seen once, at a load of
    # 9-16 on 2 cores): wait for ready, then check the whole answer.
    async def ready() -> tuple[int, object]:
        response = await harness.client.get("/ready")
        return response.status_code, response.json()

    _, body = await wait_for(
        ready, what="GET /ready answering 200", until=lambda answer: answer[0] == 200
    )
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "analytics": "ok"},
        "dead_letters": 0,
    }


async def test_ready_names_a_backend_that_is_down(tmp_path: Path) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    async with running_api(tmp_path, clickhouse_url=unreachable, run_pipeline=False) as api:
        r = await api.client.get("/ready")
    assert r.status_code == 503
    body = r.json()
    assert body["error"] == "SERVICE_UNAVAILABLE"
    assert "analytics" in body["message"]
    assert body["details"]["checks"]["database"] == "ok"
    assert body["details"]["checks"]["analytics"] != "ok"


async def test_metrics_count_requests_by_route_and_status(harness: Harness) -> None:
    await harness.client.get("/api/restaurants")
    await harness.client.get("/api/orders")  # 401
    await harness.client.get("/no/such/route")
    text = (await harness.client.get("/metrics")).text
    assert 'restman_http_requests_total{method="GET",route="/api/restaurants",status="200"}' in text
    assert 'route="/api/orders",status="401"' in text
    assert 'route="unmatched",status="404"' in text
    assert "restman_http_request_duration_seconds_bucket" in text
    assert "restman_events_unpublished" in text
    assert "restman_events_last_seq" in text
    assert 'restman_pipeline_worker{counter="processed",worker="kitchen"}' in text


async def test_cors_allows_configured_origins(tmp_path: Path) -> None:
    origin = "https://kds.example.com"
    async with running_api(tmp_path, cors_origins=[origin], run_pipeline=False) as api:
        r = await api.client.options(
            "/api/orders",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert r.status_code in (200, 204)
        assert r.headers["access-control-allow-origin"] == origin
        r = await api.client.get("/health", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in r.headers


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("restman_api.access")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old)


async def test_access_log_is_json_with_the_request_id(
    harness: Harness, json_lines: io.StringIO
) -> None:
    await harness.client.get("/api/restaurants", headers={"X-Request-Id": "log-me-1"})
    records = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    mine = [r for r in records if r.get("request_id") == "log-me-1"]
    assert mine
    assert mine[0]["status"] == 200
    assert mine[0]["path"] == "/api/restaurants"
    assert mine[0]["level"] == "info"


def test_only_one_process_holds_the_pipeline_lock(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.lock"
    first = _take_lock(path)
    assert first is not None
    assert _take_lock(path) is None  # a second server process is refused
    first.close()
    again = _take_lock(path)
    assert again is not None  # and takes over once the holder is gone
    again.close()
