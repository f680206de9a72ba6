"""What the board looks like at a kitchen terminal's smallest size (80x24) and on a large
screen (160x48), with a frozen clock so the ages in the snapshots never change.

Update the snapshots after an intended change with ``pytest tests/tui --snapshot-update`` and
look at the .svg files before committing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from restman_tui.app import KitchenApp
from restman_tui.config import KitchenConfig
from restman_tui.expo import ExpoApp
from tests.tui.scenes import (
    Scene,
    allergy_service,
    busy_service,
    crowded_service,
    states_service,
)
from tests.tui.support import make_app, until


# Module-wide services: the board only reads them (no key in these cases changes a ticket).
@pytest.fixture(scope="module")
def scene() -> Iterator[Scene]:
    with busy_service() as served:
        yield served


@pytest.fixture(scope="module")
def states() -> Iterator[Scene]:
    with states_service() as served:
        yield served


def _board(scene: Scene, tmp_path: Path) -> KitchenApp:
    return make_app(scene.url, scene.token, scene.clock, tmp_path / "kitchen.json")


def _loaded(app: KitchenApp, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: app.loaded and app.online is True)
        if keys:
            await pilot.press(*keys)
        await until(pilot, lambda: not app.query_one("#all-day").display or bool(app.board.all_day))

    return run_before


def test_board_at_80x24(scene: Scene, tmp_path: Path, snap_compare: Any) -> None:
    app = _board(scene, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_loaded(app))


def test_board_with_all_day_at_160x48(scene: Scene, tmp_path: Path, snap_compare: Any) -> None:
    app = _board(scene, tmp_path)
    keys = ("a", "right", "down")
    assert snap_compare(app, terminal_size=(160, 48), run_before=_loaded(app, *keys))


def test_modifiers_and_an_allergy_note_at_80x24(tmp_path: Path, snap_compare: Any) -> None:
    """Modifiers under each item (``+ Extra cheese``, ``− No onions``) and the allergy note
    above them, in words (``⚠ ALLERGY``), not by colour alone."""
    with allergy_service() as scene:
        app = _board(scene, tmp_path)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_loaded(app))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_held_fire_in_addition_void_and_allergy_cards(
    states: Scene, tmp_path: Path, snap_compare: Any, size: tuple[int, int]
) -> None:
    """Each state in words on its card: ``HELD · desserts``, ``FIRES IN 3:20``,
    ``+ ADDITION`` with a ``VOID`` line, ``⚠ ALLERGY:`` and the note; a READY order."""
    app = _board(states, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=_loaded(app))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_expo_board(states: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    """The expediter's board of the same service: the order ready to send first, every
    ticket's station and state, fire times, additions, voids and allergies in words."""
    config = KitchenConfig(api_url=states.url, token=states.token)
    app = ExpoApp(config, clock=states.clock)

    async def run_before(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: len(app.entries) == 5)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_a_full_column_says_what_is_below_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    """More cards than fit: the column's last line says ``+N below``."""
    with crowded_service() as scene:
        app = _board(scene, tmp_path)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_loaded(app))


def test_every_key_in_the_help_at_80x24(scene: Scene, tmp_path: Path, snap_compare: Any) -> None:
    app = _board(scene, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_loaded(app, "question_mark"))


def test_offline_and_retrying_at_80x24(tmp_path: Path, snap_compare: Any) -> None:
    """The API answers but its event stream does not: the status line and the banner say the
    board is offline, that it keeps retrying, and which key retries now."""
    with busy_service() as scene:
        scene.api.refuse_streams = True
        app = _board(scene, tmp_path)

        async def run_before(pilot: Pilot[Any]) -> None:
            await until(pilot, lambda: app.online is False and app.ready)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
