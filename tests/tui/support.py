"""Running the fake API over real HTTP and driving the kitchen display in tests."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from textual.pilot import Pilot

from restman_tui.app import KitchenApp
from restman_tui.config import KitchenConfig
from restman_tui.stream import Backoff
from restman_tui.widgets import BoardColumn, TicketCard
from tests.support.services import free_port, wait_for, wait_for_sync

EMAIL = "cook@example.com"
FROZEN = datetime(2026, 11, 24, 19, 30, 0, tzinfo=UTC)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = FROZEN) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ago(clock: Callable[[], datetime], minutes: float) -> datetime:
    """A moment ``minutes`` before the clock's now."""
    return clock() - timedelta(minutes=minutes)


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the test runner owns the process's signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(app: Any, port: int) -> _QuietServer:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    return _QuietServer(config)


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1 from this event loop; yields its base URL."""
    port = free_port()
    server = _server(app, port)
    task = asyncio.create_task(server.serve())

    async def state() -> str:
        return "started" if server.started else "stopped" if task.done() else "starting"

    await wait_for(state, until=lambda s: s != "starting", what="the test API to start", timeout=30)
    assert server.started, "the test API stopped while starting"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop = getattr(app, "drop_streams", None)
        if stop is not None:
            stop(refuse=True)
        server.should_exit = True
        await task


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app from its own thread and loop (for tests that run the app themselves,
    like snapshot tests)."""
    port = free_port()
    server = _server(app, port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def state() -> str:
        return "started" if server.started else "starting" if thread.is_alive() else "stopped"

    wait_for_sync(state, until=lambda s: s != "starting", what="the test API to start", timeout=30)
    assert server.started, "the test API stopped while starting"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        close = getattr(app, "close_streams_threadsafe", None)
        if close is not None:
            close()
        server.should_exit = True
        thread.join(timeout=10)


def make_app(
    url: str, token: str | None, clock: Callable[[], datetime], config_path: Path, **settings: Any
) -> KitchenApp:
    config = KitchenConfig(api_url=url, token=token, **settings)
    return KitchenApp(
        config,
        config_path=config_path,
        clock=clock,
        backoff=Backoff(first=0.05, cap=0.2),
        idle_timeout=5.0,
    )


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until ``condition`` holds and its widgets show the board."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        # A board that has stopped (the cook quit) has nothing left to draw.
        settled = not isinstance(app, KitchenApp) or not app.is_running or app.settled
        if condition() and settled:
            return
        if time.monotonic() > deadline:
            source = inspect.getsource(condition).strip()
            pytest.fail(
                f"waited {timeout} s for {source}; last seen: condition {condition()}, "
                f"board settled {getattr(app, 'settled', None)}",
                pytrace=False,
            )
        await pilot.pause(0.02)


def cards_in(app: KitchenApp, status: str) -> list[TicketCard]:
    """The cards a cook sees in one column, top to bottom."""
    column = app.query_one(f"#column-{status.lower()}", BoardColumn)
    return column.cards


def shown_ids(app: KitchenApp, status: str) -> list[str]:
    return [card.ticket_id for card in cards_in(app, status)]


def card_text(app: KitchenApp, ticket_id: str) -> str:
    for card in app.query(TicketCard):
        if card.ticket_id == ticket_id:
            return f"{card.border_title} {card.border_subtitle}\n{card.render()}"
    raise AssertionError(f"no card for {ticket_id}")


def screen_text(app: Any) -> str:
    """The screen as plain text, exactly as the terminal shows it (what a cook can read)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()
