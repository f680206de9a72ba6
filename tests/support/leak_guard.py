"""The suite's guard against leaked processes.

Every process the suite starts inherits a marker of this run through its environment. When the
run ends, any process still alive with that marker is a leak: it is killed, listed, and the run
fails, so a test that leaves a server, broker or worker behind can never pass unnoticed.
``tests/conftest.py`` installs these hooks.
"""

from __future__ import annotations

import secrets
import time

import pytest

from tests.support.processes import kill_all, leaked_processes, mark_this_run

_RUN_TOKEN = secrets.token_hex(8)
# Grace for processes that were told to stop by a finalizer and are still on their way out.
_EXIT_GRACE_SECONDS = 10.0


def pytest_configure(config: pytest.Config) -> None:
    mark_this_run(_RUN_TOKEN)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
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
