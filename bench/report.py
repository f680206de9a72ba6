"""The benchmark's one table: a row per scenario with its ratio to its anchor and its target."""

from __future__ import annotations

import os
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.cpu import load_average
from bench.wrk import WrkResult

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    scenario: str
    rate: float | None = None  # requests (or transactions) per second
    p50_ms: float | None = None
    p99_ms: float | None = None
    failures: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""

    @classmethod
    def of(cls, scenario: str, result: WrkResult, **extra: Any) -> Row:
        failures = str(result.non_2xx)
        if result.socket_errors:
            failures += f" (+{result.socket_errors} socket errors)"
        return cls(
            scenario, result.requests_per_second, result.p50_ms, result.p99_ms, failures, **extra
        )


@dataclass
class Report:
    header: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        parts = [f"{_rate(row.rate)}/s" if row.rate is not None else ""]
        parts += [f"p50 {_ms(row.p50_ms)}" if row.p50_ms is not None else ""]
        parts += [f"p99 {_ms(row.p99_ms)}" if row.p99_ms is not None else "", row.note]
        print(f"  {row.scenario}: " + ", ".join(p for p in parts if p), flush=True)
        return row

    def as_json(self) -> dict[str, Any]:
        return {"header": self.header, "rows": [asdict(row) for row in self.rows]}


def machine_header(duration: float, connections: int) -> dict[str, str]:
    commit = (
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        or "unknown"
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "nproc": str(os.cpu_count() or "?"),
        "load at start (/proc/loadavg)": load_average(),
        "load": f"wrk, {connections} connections, {duration:g} s per scenario, 2 threads",
    }


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f} ms" if value < 10 else f"{value:,.0f} ms"


def _met(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "**no**")


def markdown(report: Report) -> str:
    lines = [f"- {key}: {value}" for key, value in report.header.items()]
    lines += [
        "",
        "| scenario | req/s | p50 | p99 | non-2xx | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report.rows:
        scenario = f"{row.scenario} ({row.note})" if row.note else row.scenario
        cells = [scenario, _rate(row.rate), _ms(row.p50_ms), _ms(row.p99_ms), row.failures]
        cells += [row.ratio, row.target, _met(row.met)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
