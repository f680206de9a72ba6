"""Running wrk and reading its ``--latency`` report.

:func:`run` drives one URL for a fixed time with ``wrk --latency`` (two threads, one per core
of the development machine); a POST goes through ``bench/post.lua``, which reads the method's
body and bearer token from the environment (``WRK_BODY``, ``WRK_TOKEN``). :func:`parse` turns
the report into a :class:`WrkResult`.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

POST_SCRIPT = Path(__file__).with_name("post.lua")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+" + _DURATION + r"\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in " + _DURATION, re.MULTILINE)
_NON_2XX = re.compile(r"^\s+Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_SOCKET = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)


class WrkParseError(ValueError):
    """The text is not a wrk --latency report."""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles in milliseconds, and failures."""

    requests_per_second: float
    requests: int
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse(text: str) -> WrkResult:
    """Read Requests/sec, the 50 % and 99 % latencies, non-2xx/3xx and socket errors."""
    rate = _RATE.search(text)
    total = _TOTAL.search(text)
    percentiles = {
        m.group(1): _milliseconds(m.group(2), m.group(3)) for m in _PERCENTILE.finditer(text)
    }
    if rate is None or total is None or not {"50", "99"} <= percentiles.keys():
        raise WrkParseError(f"not a wrk --latency report:\n{text[-1500:]}")
    non_2xx = _NON_2XX.search(text)
    socket = _SOCKET.search(text)
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        requests=int(total.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def run(
    url: str,
    *,
    duration: float,
    connections: int,
    threads: int = 2,
    body: str | None = None,
    token: str | None = None,
) -> WrkResult:
    """GET ``url`` (or POST ``body`` as JSON when given) for ``duration`` seconds."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only talks to 127.0.0.1, not {url}")
    seconds = max(1, round(duration))
    args = [
        "wrk",
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
    ]
    env = dict(os.environ)
    if body is not None:
        args.append(f"--script={POST_SCRIPT}")
        env["WRK_BODY"] = body
        env["WRK_TOKEN"] = token or ""
    elif token:
        args.append(f"--header=Authorization: Bearer {token}")
    args.append(url)
    done = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise WrkParseError(f"wrk exited with {done.returncode}: {done.stderr[-1500:]}")
    return parse(done.stdout)
