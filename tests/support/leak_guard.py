"""The suite's guard against leaked processes.

Every process the suite starts inherits a marker of this run through its environment. When the
run ends, any process still alive with that marker is a leak: it is killed, listed, and the run
fails, so a test that leaves a server, broker or worker behind can never pass unnoticed.
``tests/conftest.py`` installs these hooks.

Under pytest-xdist the controller makes the marker and hands it to every worker, and only the
controller checks, after its workers have ended: a worker cannot tell its own leftovers from the
live processes of a worker still running tests.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from tests.support.processes import kill_all, leaked_processes, mark_this_run

_RUN_TOKEN = secrets.token_hex(8)
_WORKER_KEY = "restman_run_token"
# Grace for processes that were told to stop by a finalizer and are still on their way out.
_EXIT_GRACE_SECONDS = 10.0


def _worker_input(config: pytest.Config) -> dict[str, Any] | None:
    """What the xdist controller handed this worker, or None when this is not a worker."""
    return getattr(config, "workerinput", None)


def pytest_configure(config: pytest.Config) -> None:
    given = _worker_input(config)
    mark_this_run(given[_WORKER_KEY] if given is not None else _RUN_TOKEN)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist hook, on the controller: every worker marks its processes with the run's marker."""
    node.workerinput[_WORKER_KEY] = _RUN_TOKEN


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _worker_input(session.config) is not None:
        return
    deadline = time.monotonic() + _EXIT_GRACE_SECONDS
    leaked = leaked_processes(_RUN_TOKEN)
    while leaked and time.monotonic() < deadline:
        time.sleep(0.2)
        leaked = leaked_processes(_RUN_TOKEN)
    if not leaked:
        return
    kill_all(list(leaked))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"  pid {pid}: {command}" for pid, command in sorted(leaked.items())]
    message = "processes started by the suite were still running at its end:\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(message, red=True, bold=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
