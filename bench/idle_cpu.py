"""What RestMan's processes burn while nobody asks them anything.

    uv run python -m bench.idle_cpu [--mode distributed|embedded] [--seconds 10] [--settle 5]

Starts RestMan the way ``bench/throughput.py`` does (distributed: ``restman serve`` and
``restman worker all`` on a fresh PostgreSQL database, a Redis database index of its own and a
tansu broker; embedded: ``restman serve`` alone), signs in, seeds the two menus and
(distributed) waits for the first order's ticket, so that every consumer group has joined.
Then, with no request in flight, it reads the CPU time (user + system, ``/proc/<pid>/stat``)
of every process and thread over ``--seconds`` and prints each one's share of one core. The
PostgreSQL backends counted are the ones connected to the run's own database; Redis is the
shared server, so its figure includes whatever else uses it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench import restman_setup
from bench.cpu import TICKS, Sample, group_pids, load_average, named_pids, sample
from bench.pipeline_lag import wait_for_ticket
from bench.procs import Child, Resources, redis_database, start_tansu
from bench.restman_runs import PIPELINE_WARMUP_TIMEOUT


def backends_of(database_url: str) -> list[int]:
    """The PostgreSQL backends connected to the run's database."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [int(row[0]) for row in rows]


def report(
    before: dict[tuple[str, int, int], Sample],
    after: dict[tuple[str, int, int], Sample],
    seconds: float,
) -> None:
    """Print each owner's share of a core, then its busiest threads."""
    per_owner: dict[str, float] = {}
    threads: list[tuple[float, str]] = []
    for key, end in after.items():
        start = before.get(key)
        if start is None:
            continue
        share = (end.ticks - start.ticks) / TICKS / seconds * 100
        owner, pid, tid = key
        per_owner[owner] = per_owner.get(owner, 0.0) + share
        if share > 0:
            threads.append((share, f"{owner} pid {pid} thread {tid} ({end.label})"))
    print(f"CPU over {seconds:.1f} s, % of one core (load average {load_average()})")
    for owner, share in sorted(per_owner.items(), key=lambda item: -item[1]):
        print(f"  {owner:<28} {share:6.2f} %")
    print("busiest threads:")
    for share, label in sorted(threads, reverse=True)[:20]:
        print(f"  {share:6.2f} %  {label}")


def measure(mode: str, seconds: float, settle: float) -> None:
    res = Resources()
    try:
        database_url = ""
        children: dict[str, Child] = {}
        if mode == "distributed":
            database_url = res.database("idle")
            brokers = start_tansu(res, res.temp_dir("tansu"))
            server = restman_setup.start_distributed(
                res, database_url, redis_database(res), brokers
            )
            tansu = next(child for child in res.children if child.name == "tansu")
            children = {"tansu": tansu, "restman worker all": server.children[1]}
        else:
            server = restman_setup.start_embedded(res)
        children["restman serve"] = server.children[0]
        menus = restman_setup.prepare(server)
        if database_url:
            order = restman_setup.place_order(server, menus[1])
            if not wait_for_ticket(database_url, order, PIPELINE_WARMUP_TIMEOUT):
                raise SystemExit("the pipeline made no ticket")
        time.sleep(settle)
        owners: dict[str, list[int]] = {
            name: group_pids(child.process.pid) for name, child in children.items()
        }
        if database_url:
            owners["postgres (run's backends)"] = backends_of(database_url)
            owners["redis-server (shared)"] = named_pids("redis-server")
        before = sample(owners)
        started = time.monotonic()
        time.sleep(seconds)
        after = sample(owners)
        report(before, after, time.monotonic() - started)
    finally:
        res.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["distributed", "embedded"], default="distributed")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args(argv)
    measure(args.mode, args.seconds, args.settle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
