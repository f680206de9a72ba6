"""Fixtures for the kitchen display tests: a fake API served over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_textual_snapshot

from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import EMAIL, FrozenClock, serve

# pytest-textual-snapshot 1.0 names its extension with ``_file_extension``, which syrupy 7 no
# longer reads: without this the snapshots would be written as .raw instead of .svg files.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def kitchen(clock: FrozenClock) -> AsyncIterator[tuple[FakeKitchenApi, str]]:
    api = FakeKitchenApi(clock, heartbeat=0.5)
    async with serve(api) as url:
        yield api, url


@pytest.fixture
def token(kitchen: tuple[FakeKitchenApi, str]) -> str:
    return kitchen[0].issue_token(EMAIL)
