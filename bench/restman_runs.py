"""RestMan's scenarios, embedded or distributed: the ceiling route, the cached menu, and
``POST /api/orders`` with the kitchen-stream sampler beside it (and, distributed, the workers'
backlog). Each row carries its ratio to its anchor and the issue's target."""

from __future__ import annotations

import asyncio
import time

from bench import restman_setup, stream_latency, wrk
from bench.anchors import Anchors, Load, ratio
from bench.cpu import group_pids, wait_until_calm
from bench.pipeline_lag import BacklogWatch, PipelineReport, wait_for_ticket
from bench.procs import BenchError, Resources, redis_database, start_tansu
from bench.report import Report, Row
from bench.restman_setup import Menu, Server

PIPELINE_WARMUP_TIMEOUT = 180.0  # a consumer group's first join on tansu takes tens of seconds
# Idle, `restman worker all` uses about 3 % of a core; this is "done with the warm-up".
CALM_SHARE = 0.15
CALM_TIMEOUT = 30.0
CATCH_UP_TARGET_SECONDS = 2.0
ORDER_P99_TARGET_MS = 100.0


def _start(res: Resources, distributed: bool) -> tuple[Server, str]:
    """The server and, distributed, its database URL."""
    if not distributed:
        return restman_setup.start_embedded(res), ""
    database_url = res.database("restman")
    brokers = start_tansu(res, res.temp_dir("tansu"))
    server = restman_setup.start_distributed(res, database_url, redis_database(res), brokers)
    return server, database_url


def _warm_pipeline(server: Server, sampled: Menu, database_url: str) -> None:
    """Distributed: wait until the workers have joined their groups and made a ticket and a
    bill, then until the worker is idle: the first events after the groups
    join (the seeding's, the analytics store's first open) cost the worker about half a core
    for a second, which must not land in the read scenarios that follow."""
    first = restman_setup.place_order(server, sampled)
    if not wait_for_ticket(database_url, first, PIPELINE_WARMUP_TIMEOUT, with_bill=True):
        worker_log = server.children[-1].tail()
        raise BenchError(
            f"no ticket and bill within {PIPELINE_WARMUP_TIMEOUT:.0f} s:\n{worker_log}"
        )
    background = [pid for child in server.children[1:] for pid in group_pids(child.process.pid)]
    if wait_until_calm(background, share=CALM_SHARE, timeout=CALM_TIMEOUT) is None:
        print(f"the worker did not calm down within {CALM_TIMEOUT:.0f} s; measuring anyway")


def _reads(server: Server, load: Load, menu: Menu, anchors: Anchors, mode: str) -> list[Row]:
    base = server.base_url
    ceiling_url = f"{base}/bench/ceiling"
    menu_url = f"{base}/api/restaurants/{menu.restaurant_id}/menu"
    for url in (ceiling_url, menu_url):
        wrk.run(url, duration=1, connections=load.connections)  # warm-up
    rows = []
    menu_floor = 0.5 if mode == "distributed" else 0.6
    scenarios = [
        (f"{mode}: RestMan /bench/ceiling", ceiling_url, 0.8),
        (
            f"{mode}: cached menu GET" + (" (Redis)" if mode == "distributed" else ""),
            menu_url,
            menu_floor,
        ),
    ]
    for name, url, floor in scenarios:
        result = wrk.run(url, duration=load.duration, connections=load.connections)
        text, value = ratio(result.requests_per_second, anchors.get, "bare GET")
        met = None if value is None else value >= floor and result.failures == 0
        rows.append(Row.of(name, result, ratio=text, target=f"≥ {floor} × bare GET", met=met))
    return rows


async def _orders_and_stream(
    server: Server, load: Load, menu: Menu, sampled: Menu
) -> tuple[wrk.WrkResult, float, stream_latency.StreamLatency]:
    """wrk on POST /api/orders while the stream sampler runs; also when wrk ended."""

    def place() -> tuple[wrk.WrkResult, float]:
        url = f"{server.base_url}/api/orders"
        result = wrk.run(
            url,
            duration=load.duration,
            connections=load.connections,
            body=menu.order_body(),
            token=server.customer_token,
        )
        return result, time.monotonic()

    sampler = stream_latency.measure(
        server.base_url,
        owner_token=server.owner_token,
        customer_token=server.customer_token,
        restaurant_id=sampled.restaurant_id,
        order_body=sampled.order_body(),
        duration=load.duration,
    )
    (result, ended), latency = await asyncio.gather(asyncio.to_thread(place), sampler)
    return result, ended, latency


def _stream_row(mode: str, latency: stream_latency.StreamLatency, limit_ms: float) -> Row:
    p99 = latency.percentile(0.99)
    met = p99 is not None and p99 < limit_ms and latency.missing == 0 and latency.failed == 0
    return Row(
        f"{mode}: order → ticket.created on /api/kitchen/stream",
        p50_ms=latency.percentile(0.5),
        p99_ms=p99,
        failures=str(latency.failed),
        target=f"p99 < {limit_ms:,.0f} ms",
        met=met,
        note=f"{len(latency.samples_ms)} samples, {latency.missing} never arrived",
    )


def _pipeline_row(pipe: PipelineReport, duration: float) -> Row:
    caught = pipe.catch_up_seconds
    span = duration + (caught or 0.0)
    lag = f"caught up {caught:.1f} s after the load" if caught is not None else "did NOT catch up"
    if pipe.error:
        lag += f" (counting failed: {pipe.error[:120]})"
    return Row(
        "distributed: orders with ticket and bill, end to end (orders/s)",
        rate=pipe.ticketed / span if span else None,
        ratio=f"{pipe.ticketed}/{pipe.orders} ticketed, {pipe.billed}/{pipe.orders} billed",
        target=f"backlog 0 within {CATCH_UP_TARGET_SECONDS:g} s of the load's end",
        met=caught is not None and caught <= CATCH_UP_TARGET_SECONDS,
        note=f"max backlog {pipe.max_backlog} orders, {lag}",
    )


def _orders(
    server: Server, load: Load, menus: tuple[Menu, Menu], anchors: Anchors, database_url: str
) -> list[Row]:
    distributed = bool(database_url)
    mode = "distributed" if distributed else "embedded"
    watch = BacklogWatch(database_url) if distributed else None
    pipeline: Row | None = None
    if watch:
        watch.start()
    try:
        result, ended, latency = asyncio.run(_orders_and_stream(server, load, *menus))
        if watch:
            pipe = watch.catch_up(min(600.0, max(60.0, 10 * load.duration)), since=ended)
            pipeline = _pipeline_row(pipe, load.duration)
    finally:
        if watch:
            watch.stop()
    peer, floor, name = (
        (anchors.postgres, 1.0, "PostgreSQL peer")
        if distributed
        else (anchors.sqlite, 0.5, "SQLite peer")
    )
    text, value = ratio(result.requests_per_second, peer, name)
    fast = result.p99_ms < ORDER_P99_TARGET_MS and result.failures == 0
    met = None if value is None else value >= floor and fast
    target = f"≥ {floor} × {name}, p99 < {ORDER_P99_TARGET_MS:g} ms"
    if pipeline is not None:
        met, target = met and bool(pipeline.met), target + ", workers keep up"
    rows = [Row.of(f"{mode}: POST /api/orders", result, ratio=text, target=target, met=met)]
    rows += [pipeline] if pipeline is not None else []
    rows.append(_stream_row(mode, latency, 1000.0 if distributed else 250.0))
    return rows


def run_restman(
    res: Resources, load: Load, report: Report, anchors: Anchors, distributed: bool
) -> None:
    """Start RestMan, seed it, measure every scenario, stop it and drop its database."""
    mode = "distributed" if distributed else "embedded"
    server, database_url = _start(res, distributed)
    try:
        print(f"{mode}: RestMan at {server.base_url}, data in {server.data_dir}", flush=True)
        menus = restman_setup.prepare(server)
        if distributed:
            _warm_pipeline(server, menus[1], database_url)
        for row in _reads(server, load, menus[0], anchors, mode):
            report.add(row)
        server.check()
        for row in _orders(server, load, menus, anchors, database_url):
            report.add(row)
        server.check()
    finally:
        for child in reversed(list(res.children)):
            res.stop(child)
        if database_url:
            res.drop_database(database_url)
