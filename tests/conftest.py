"""Suite-wide settings and guards.

- Hypothesis runs without per-example deadlines: CI machines are shared, and timing is not what
  the properties are about.
- A process the suite started that is still alive when the run ends fails the run
  (:mod:`tests.support.leak_guard`).
- The project's modules are compiled to bytecode before any test starts a process
  (:mod:`tests.support.bytecode`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import leak_guard
from tests.support.bytecode import compile_project_sources
from tests.support.leak_guard import pytest_configure_node, pytest_sessionfinish

__all__ = ["pytest_configure", "pytest_configure_node", "pytest_sessionfinish"]


def pytest_configure(config: pytest.Config) -> None:
    leak_guard.pytest_configure(config)
    compile_project_sources(Path(str(config.rootpath)))


settings.register_profile("restman", deadline=None, max_examples=100)
settings.load_profile("restman")
