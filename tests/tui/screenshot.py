"""Export the README's screenshot of the kitchen display (a busy service, frozen clock).

uv run python -m tests.tui.screenshot docs/kitchen-display.svg
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests.tui.scenes import busy_service
from tests.tui.support import make_app, until


async def export(target: Path, size: tuple[int, int] = (120, 32)) -> None:
    with busy_service() as scene, tempfile.TemporaryDirectory() as scratch:
        app = make_app(scene.url, scene.token, scene.clock, Path(scratch) / "kitchen.json")
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.loaded and app.online is True)
            await pilot.press("a", "right", "down")
            await until(pilot, lambda: bool(app.board.all_day))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(app.export_screenshot(title="restman kitchen"), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/kitchen-display.svg")))
