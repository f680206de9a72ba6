"""CPU time of processes and threads, read from ``/proc`` (Linux): what the benchmarks use to
tell how busy RestMan's processes are beside the load."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    """One process or thread: its name and CPU ticks so far."""

    label: str
    ticks: int


def _stat(path: Path) -> tuple[str, list[str]] | None:
    """``(comm, fields after comm)`` of a /proc stat file, None when it is gone."""
    try:
        text = path.read_text()
    except OSError:
        return None
    head, _, tail = text.rpartition(")")
    return head.partition("(")[2], tail.split()


def _ticks(fields: list[str]) -> int:
    # After comm: state is fields[0], so utime and stime (stat fields 14, 15) are 11 and 12.
    return int(fields[11]) + int(fields[12])


def _pids(matches: Callable[[str, list[str]], bool]) -> list[int]:
    """Every live process whose ``(comm, fields after comm)`` ``matches``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(entry / "stat")
            if stat is not None and matches(*stat):
                found.append(int(entry.name))
    return found


def group_pids(pgid: int) -> list[int]:
    """Every live process whose process group is ``pgid``."""
    return _pids(lambda _, fields: int(fields[2]) == pgid)


def named_pids(name: str) -> list[int]:
    """Every live process whose command name is ``name``."""
    return _pids(lambda comm, _: comm == name)


def load_average() -> str:
    """``/proc/loadavg``: how busy the shared machine was."""
    return Path("/proc/loadavg").read_text().strip()


def sample(owners: Mapping[str, Iterable[int]]) -> dict[tuple[str, int, int], Sample]:
    """Ticks of every thread of every process, keyed by (owner, pid, tid)."""
    out: dict[tuple[str, int, int], Sample] = {}
    for owner, pids in owners.items():
        for pid in pids:
            tasks = Path(f"/proc/{pid}/task")
            for task in tasks.iterdir() if tasks.exists() else ():
                stat = _stat(task / "stat")
                if stat is not None:
                    key = (owner, pid, int(task.name))
                    out[key] = Sample(stat[0], _ticks(stat[1]))
    return out


def process_ticks(pids: Iterable[int]) -> int:
    """CPU ticks (user + system, every thread) the live processes ``pids`` used so far."""
    total = 0
    for pid in pids:
        stat = _stat(Path(f"/proc/{pid}/stat"))
        if stat is not None:
            total += _ticks(stat[1])
    return total


def wait_until_calm(
    pids: Iterable[int], *, share: float = 0.1, window: float = 1.0, timeout: float = 60.0
) -> float | None:
    """Wait until ``pids`` together used less than ``share`` of one core over ``window``
    seconds; the share of the last window, or None when that did not happen within
    ``timeout`` seconds."""
    watched = list(pids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before, started = process_ticks(watched), time.monotonic()
        time.sleep(window)
        used = (process_ticks(watched) - before) / TICKS / (time.monotonic() - started)
        if used < share:
            return used
    return None
