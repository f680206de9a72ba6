"""Compile the project's own modules to bytecode once per run.

Many tests start real processes (``restman serve``, workers, the CLI, relays). Each of them
imports the whole platform, and where the environment sets ``PYTHONDONTWRITEBYTECODE`` (as CI
machines often do) every one of those processes would compile every module from source again:
about a second of CPU per process on a 2-core machine. The third-party packages are compiled when
uv installs them (``compile-bytecode`` in ``pyproject.toml``); the project's own packages are an
editable install, so the suite compiles them here, once, before any test starts a process.
Compiling is idempotent and writes atomically, so concurrent runs on one checkout are safe.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGES = ("restman_core", "restman_api", "restman_cli", "restman_tui")


def compile_project_sources(root: Path) -> None:
    """Write ``__pycache__`` bytecode for every module of the project's packages under ``root``
    that lacks an up-to-date one."""
    for package in PACKAGES:
        directory = root / package
        if directory.is_dir():
            compileall.compile_dir(directory, quiet=1, workers=1)
