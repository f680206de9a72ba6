"""pgbench TPC-B on the same PostgreSQL: the database's own limit on this machine."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from bench.procs import BenchError

_TPS = re.compile(r"^tps = ([\d.]+)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    latency_average_ms: float | None


def parse(text: str) -> PgbenchResult:
    tps = _TPS.search(text)
    if tps is None:
        raise BenchError(f"no tps in pgbench output:\n{text[-1500:]}")
    latency = _LATENCY.search(text)
    return PgbenchResult(float(tps.group(1)), float(latency.group(1)) if latency else None)


def run(database_url: str, *, duration: float, clients: int = 8, threads: int = 2) -> PgbenchResult:
    """``pgbench -i`` then ``pgbench -c clients -j threads -T duration`` on ``database_url``."""
    seconds = max(1, round(duration))
    steps = [
        ["pgbench", "-i", "-q", database_url],
        ["pgbench", "-c", str(clients), "-j", str(threads), "-T", str(seconds), database_url],
    ]
    output = ""
    for args in steps:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=seconds + 300, check=False
        )
        if done.returncode != 0:
            raise BenchError(f"`{' '.join(args[:-1])}` failed:\n{done.stderr[-1500:]}")
        output = done.stdout
    return parse(output)
