"""Which of the suite's parallel workers this process belongs to.

The suite runs on several pytest-xdist workers at once. Each worker owns a share of what would
otherwise be contended between them: a range of TCP ports for the servers its tests start, and a
Redis database of its own. Processes a test starts inherit ``PYTEST_XDIST_WORKER`` from their
worker, so they agree with it.
"""

from __future__ import annotations

import os

# Redis offers 16 numbered databases by default; database 0 is left to runs without workers.
REDIS_DATABASES = 16


def worker_index() -> int | None:
    """The number of this process's xdist worker (``gw3`` is 3), or None outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    if name.startswith("gw") and name[2:].isdigit():
        return int(name[2:])
    return None


def redis_database() -> int:
    """The Redis database this worker's tests use: 0 without workers, 1 + the worker's index
    (wrapping within Redis's 16) with them, so two workers never share rate-limit windows,
    cached menus or sessions."""
    index = worker_index()
    return 0 if index is None else 1 + index % (REDIS_DATABASES - 1)
