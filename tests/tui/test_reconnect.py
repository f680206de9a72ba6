"""Coming back after the API restarts: the real API (create_app over embedded storage, served
by uvicorn on 127.0.0.1) is stopped and started again on the same port and data, and the board
is live again on its own, with the default reconnection backoff, whose longest wait keeps it
within ``RECONNECT_WITHIN`` seconds of the API's return; a key reconnects at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from restman_api.app import create_app
from restman_tui.app import KitchenApp
from restman_tui.config import KitchenConfig
from restman_tui.stream import RECONNECT_WITHIN, Backoff
from tests.api.harness import Harness, User
from tests.api.harness import test_settings as api_settings
from tests.support.services import SERVED_CLIENT_LIMITS, free_port, wait_for
from tests.tui.support import FrozenClock, shown_ids, until


@dataclass(frozen=True)
class RecordingBackoff(Backoff):
    """The display's own backoff, noting every wait it hands out."""

    waits: list[float] = field(default_factory=list)

    def delay(self, attempt: int) -> float:
        wait = Backoff.delay(self, attempt)
        self.waits.append(wait)
        return wait


@asynccontextmanager
async def api_on(port: int, data_dir: Path) -> AsyncIterator[Harness]:
    """The API on ``port`` over the embedded data in ``data_dir``, until the block ends."""
    app = create_app(
        settings=api_settings(data_dir),
        run_pipeline=True,
        heartbeat_seconds=0.5,
        poll_seconds=0.1,
        recheck_seconds=0.3,
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def state() -> str:
        return "started" if server.started else "stopped" if task.done() else "starting"

    try:
        await wait_for(state, until=lambda s: s != "starting", what="the API to start", timeout=60)
        assert server.started, "the API stopped while starting"
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS, base_url=f"http://127.0.0.1:{port}", timeout=10
        ) as client:
            yield Harness(app, client, data_dir)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@dataclass
class Kitchen:
    rid: str
    fid: str
    staff: User
    customer: User


async def _kitchen(h: Harness) -> Kitchen:
    owner = await h.new_user("rest")
    rid, _, fid = await h.restaurant_with_food(owner)
    return Kitchen(rid, fid, await h.new_staff(owner, rid), await h.new_user("user"))


def _board(port: int, kitchen: Kitchen, backoff: Backoff, tmp_path: Path) -> KitchenApp:
    config = KitchenConfig(
        api_url=f"http://127.0.0.1:{port}", token=kitchen.staff.token, restaurant_id=kitchen.rid
    )
    return KitchenApp(
        config, config_path=tmp_path / "kitchen.json", clock=FrozenClock(), backoff=backoff
    )


def test_the_default_backoff_never_waits_past_the_promise() -> None:
    backoff = Backoff()
    assert all(backoff.delay(n) <= backoff.cap * 1.2 for n in range(50))
    assert backoff.cap * 1.2 < RECONNECT_WITHIN


async def test_the_board_is_live_again_after_the_api_restarts(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "api"
    backoff = RecordingBackoff()
    async with AsyncExitStack() as first_run:
        h = await first_run.enter_async_context(api_on(port, data))
        kitchen = await _kitchen(h)
        await h.place(kitchen.customer, kitchen.rid, kitchen.fid, quantity=1)
        app = _board(port, kitchen, backoff, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.online is True and len(shown_ids(app, "NEW")) == 1)
            await first_run.aclose()  # the API stops
            await until(pilot, lambda: app.online is False)
            assert "OFFLINE · retrying (r: now)" in str(app.query_one("#status").render())
            assert "Retrying every 2 s" in str(app.query_one("#offline").render())
            # Long enough down for the waits to have grown to their cap.
            await until(pilot, lambda: len(backoff.waits) >= 5, timeout=60)
            async with api_on(port, data) as again:
                await until(pilot, lambda: app.online is True, timeout=60)
                order = await again.place(kitchen.customer, kitchen.rid, kitchen.fid, quantity=1)
                await until(pilot, lambda: len(shown_ids(app, "NEW")) == 2, timeout=60)
                assert order["id"] in {t.order_id for t in app.board.ordered()}
                assert "● live" in str(app.query_one("#status").render())
                assert not app.query_one("#offline").display
    # However long the API was away, no wait between two attempts was longer than the cap
    # (plus jitter), which is what keeps a restarted API's kitchens live within the promise.
    assert max(backoff.waits) <= Backoff().cap * 1.2 < RECONNECT_WITHIN


async def test_the_retry_key_reconnects_without_waiting(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "api"
    # A wait far longer than the test's patience: only the key can bring the board back.
    backoff = RecordingBackoff(first=3600, cap=3600)
    async with AsyncExitStack() as first_run:
        h = await first_run.enter_async_context(api_on(port, data))
        kitchen = await _kitchen(h)
        await h.place(kitchen.customer, kitchen.rid, kitchen.fid, quantity=1)
        app = _board(port, kitchen, backoff, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.online is True and len(shown_ids(app, "NEW")) == 1)
            await first_run.aclose()
            await until(pilot, lambda: app.online is False and len(backoff.waits) == 1)
            async with api_on(port, data):
                await pilot.press("r")  # offline, the recall key reconnects now
                await until(pilot, lambda: app.online is True, timeout=60)
                assert len(shown_ids(app, "NEW")) == 1
                assert backoff.waits == [backoff.waits[0]]  # it did not wait its hour out


async def test_the_retry_key_works_when_the_api_is_down_at_start_up(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "api"
    async with api_on(port, data) as h:
        kitchen = await _kitchen(h)
        await h.place(kitchen.customer, kitchen.rid, kitchen.fid, quantity=1)
    backoff = RecordingBackoff(first=3600, cap=3600)
    app = _board(port, kitchen, backoff, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        # Not signed in yet (the API never answered), and waiting an hour before trying again.
        await until(pilot, lambda: app.online is False and len(backoff.waits) == 1)
        assert not app.ready
        async with api_on(port, data):
            await pilot.press("r")
            await until(pilot, lambda: app.online is True and len(shown_ids(app, "NEW")) == 1)
            assert len(backoff.waits) == 1
