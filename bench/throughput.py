"""RestMan's throughput beside its anchors, in one run on this machine, measured with wrk.

    uv run python bench/throughput.py [--duration 10] [--connections 32]
                                      [--only embedded|distributed|peers] [--json out.json]

Starts the bare peers (Litestar GET; Litestar + SQLAlchemy one-row-commit POST on SQLite and on
PostgreSQL), runs pgbench TPC-B, then RestMan embedded and distributed (PostgreSQL + Redis +
tansu, ``restman worker all`` beside ``restman serve``), and prints one markdown table of
ratios against the issue's targets. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

from bench import wrk
from bench.anchors import Anchors, Load, run_peers, run_pgbench
from bench.procs import BenchError, Resources, require_tool
from bench.report import Report, Row, machine_header, markdown
from bench.restman_runs import run_restman

PEERS_FOR = {
    "embedded": ["get", "sqlite"],
    "distributed": ["get", "postgres"],
    "peers": ["get", "sqlite", "postgres"],
}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--only", choices=["embedded", "distributed", "peers"])
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args(argv)


def _section(report: Report, name: str, run: Callable[[], None]) -> bool:
    """Run one part; a failure becomes a row of the table instead of ending the run."""
    try:
        run()
    except (BenchError, wrk.WrkParseError, httpx.HTTPError, psycopg.Error) as exc:
        print(f"{name} FAILED: {exc}", file=sys.stderr, flush=True)
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        report.rows.append(Row(f"{name}: failed", note=first_line[:200]))
        return False
    return True


def run_all(res: Resources, only: str | None, load: Load, report: Report) -> bool:
    anchors = Anchors()

    def peers() -> None:
        nonlocal anchors
        anchors = run_peers(res, load, report, PEERS_FOR[only or "peers"])

    ok = _section(report, "peers", peers)
    if only != "embedded":
        ok &= _section(report, "pgbench", lambda: run_pgbench(res, load, report))
    if only in (None, "embedded"):
        ok &= _section(report, "embedded", lambda: run_restman(res, load, report, anchors, False))
    if only in (None, "distributed"):
        ok &= _section(report, "distributed", lambda: run_restman(res, load, report, anchors, True))
    return ok


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    load = Load(args.duration, args.connections)
    report = Report(header=machine_header(args.duration, args.connections))
    try:
        require_tool("wrk", "wrk")
        if args.only != "embedded" and not shutil.which("pgbench"):
            raise BenchError("pgbench is missing: `apt-get install -y postgresql-client`")
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 2
    res = Resources()
    try:
        ok = run_all(res, args.only, load, report)
    finally:
        res.close()
    print()
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report.as_json(), indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
