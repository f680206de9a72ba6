"""The API served by uvicorn on a real socket inside the test's event loop (streams and
schemathesis need a real HTTP server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from restman_api.app import create_app
from tests.api.harness import Harness, test_settings
from tests.support.services import SERVED_CLIENT_LIMITS, free_port, wait_for


@asynccontextmanager
async def live_api(data_dir: Path, **overrides: Any) -> AsyncIterator[Harness]:
    app = create_app(
        settings=test_settings(data_dir, **overrides),
        run_pipeline=True,
        heartbeat_seconds=0.5,
        poll_seconds=0.1,
        recheck_seconds=0.3,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await wait_for(started, what="the in-process server to start", timeout=30)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS, base_url=base, timeout=10
        ) as client:
            yield Harness(app, client, data_dir)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
