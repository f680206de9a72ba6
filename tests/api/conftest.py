"""One running API per test module (bootstrapping takes a moment); tests create their own
users and restaurants, so they do not interfere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.harness import Harness, running_api


@pytest.fixture(scope="module")
async def harness(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    data_dir: Path = tmp_path_factory.mktemp("api")
    async with running_api(data_dir) as running:
        yield running
