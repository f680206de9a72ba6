"""The API served by uvicorn in a thread with its own event loop, for synchronous clients
(schemathesis drives requests synchronously, which would block the test's own loop)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from restman_api.app import create_app
from tests.api.harness import test_settings
from tests.support.services import free_port, wait_for_sync


@contextmanager
def threaded_api(data_dir: Path, **overrides: Any) -> Iterator[str]:
    """Yield the base URL of a running API on ``data_dir``."""
    app = create_app(settings=test_settings(data_dir, **overrides), run_pipeline=True)
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
    thread = threading.Thread(target=server.run, name="threaded-api", daemon=True)
    thread.start()

    def state() -> str:
        return "started" if server.started else "starting" if thread.is_alive() else "stopped"

    wait_for_sync(
        state, until=lambda s: s != "starting", what="the threaded API to start", timeout=60
    )
    assert server.started, "the API server stopped while starting"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
