"""The suite's own guards do what they promise: a leaked child process fails the run, and a run
that ends its children passes. Each case runs a small suite in a separate pytest process with
the real guard installed."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.support.processes import Child
from tests.support.services import wait_for_sync

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = (
    "from tests.support.leak_guard import pytest_configure, pytest_configure_node,"
    " pytest_sessionfinish\n"
)

LEAKY = """
import subprocess, sys

def test_starts_a_process_and_forgets_it():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                     start_new_session=True)
"""

TIDY = """
import subprocess, sys

def test_starts_a_process_and_ends_it():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    child.kill()
    child.wait()
"""


@pytest.fixture
def inner_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makeconftest(CONFTEST)
    return pytester


def test_a_leaked_process_fails_the_run_and_is_killed(inner_suite: pytest.Pytester) -> None:
    inner_suite.makepyfile(test_leaky=LEAKY)
    result = inner_suite.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*processes started by the suite were still running*"])
    result.stdout.fnmatch_lines(["*pid *time.sleep(120)*"])
    assert "1 passed" in result.stdout.str()  # the test itself passed; the leak failed the run
    [pid] = re.findall(r"pid (\d+): ", result.stdout.str())
    # The guard killed what it found.
    wait_for_sync(lambda: _gone(int(pid)), what=f"leaked process {pid} to be killed", timeout=10)


def test_a_process_leaked_on_a_parallel_worker_fails_the_run(
    inner_suite: pytest.Pytester,
) -> None:
    """Under xdist the leak happens in a worker; the controller still finds it and fails."""
    inner_suite.makepyfile(test_leaky=LEAKY, test_tidy=TIDY)
    result = inner_suite.runpytest_subprocess(
        "-n", "2", "-p", "no:randomly", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*processes started by the suite were still running*"])
    assert "2 passed" in result.stdout.str()
    [pid] = re.findall(r"pid (\d+): ", result.stdout.str())
    wait_for_sync(lambda: _gone(int(pid)), what=f"leaked process {pid} to be killed", timeout=10)


def test_a_run_that_ends_its_children_passes(inner_suite: pytest.Pytester) -> None:
    inner_suite.makepyfile(test_tidy=TIDY)
    result = inner_suite.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    assert "still running" not in result.stdout.str()


def test_a_child_is_ended_with_its_whole_group(tmp_path: Path) -> None:
    """Stopping a Child ends the grandchildren it started too."""
    script = (
        "import subprocess, sys, time\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "print(grandchild.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    child = Child([sys.executable, "-c", script], log=tmp_path / "child.log").start()
    try:
        line = wait_for_sync(child.output, what="the grandchild's pid in the log", timeout=30)
        grandchild = int(line.split()[0])
    finally:
        child.stop(grace=5)
    assert not child.running()
    wait_for_sync(lambda: _gone(grandchild), what=f"grandchild {grandchild} to end", timeout=10)


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (gone, or a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
