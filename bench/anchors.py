"""The anchors RestMan is measured against: the bare peers (``bench/peers.py``) and pgbench."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import pgbench, wrk
from bench.procs import Resources, free_port, port_open, wait_until
from bench.report import Report, Row

PEERS = Path(__file__).with_name("peers.py")
PEER_LABELS = {
    "get": "bare Litestar GET (the framework's ceiling)",
    "sqlite": "bare Litestar + SQLAlchemy one-row-commit POST, SQLite",
    "postgres": "bare Litestar + SQLAlchemy one-row-commit POST, PostgreSQL",
}


@dataclass(frozen=True)
class Load:
    """How hard and how long wrk drives each scenario."""

    duration: float
    connections: int


@dataclass
class Anchors:
    """Requests per second of each peer that ran (None: not run, or it failed)."""

    get: float | None = None
    sqlite: float | None = None
    postgres: float | None = None


def ratio(value: float, anchor: float | None, name: str) -> tuple[str, float | None]:
    """``"0.42 × name"`` and the ratio, or a note and None when the anchor is missing."""
    if not anchor:
        return f"(no {name})", None
    return f"{value / anchor:.2f} × {name}", value / anchor


def start_peer(res: Resources, kind: str, log_dir: Path, database: str | None) -> str:
    """A peer on a free port, listening; its URL."""
    port = free_port()
    args = [sys.executable, str(PEERS), kind, "--port", str(port)]
    if database:
        args += ["--database", database]
    peer = res.start(f"peer {kind}", args, log=log_dir / f"peer-{kind}.log")

    def listening() -> bool | None:
        peer.check()
        return True if port_open(port) else None

    wait_until(listening, what=f"the {kind} peer to listen", timeout=60)
    return f"http://127.0.0.1:{port}/"


def run_peer(res: Resources, kind: str, load: Load, log_dir: Path) -> wrk.WrkResult:
    """Start one peer, measure it, stop it (and drop its database)."""
    database = None
    if kind == "sqlite":
        database = str(log_dir / "peer.db")
    elif kind == "postgres":
        database = res.database("peer")
    try:
        url = start_peer(res, kind, log_dir, database)
        if kind == "get":
            wrk.run(url, duration=1, connections=load.connections)  # warm-up
            return wrk.run(url, duration=load.duration, connections=load.connections)
        body = json.dumps({"name": "bench", "quantity": 1})
        return wrk.run(url, duration=load.duration, connections=load.connections, body=body)
    finally:
        for child in list(res.children):
            res.stop(child)
        if kind == "postgres" and database:
            res.drop_database(database)


def run_peers(res: Resources, load: Load, report: Report, kinds: list[str]) -> Anchors:
    anchors = Anchors()
    log_dir = res.temp_dir("peers")
    for kind in kinds:
        result = run_peer(res, kind, load, log_dir)
        setattr(anchors, kind, result.requests_per_second)
        report.add(Row.of(PEER_LABELS[kind], result, ratio="1 (anchor)"))
    return anchors


def run_pgbench(res: Resources, load: Load, report: Report) -> None:
    url = res.database("pgbench")
    try:
        result = pgbench.run(url, duration=load.duration)
    finally:
        res.drop_database(url)
    note = f"latency average {result.latency_average_ms} ms"
    report.add(
        Row(
            "pgbench TPC-B, 8 clients, 2 threads (TPS)",
            result.tps,
            ratio="the database's limit",
            note=note,
        )
    )
