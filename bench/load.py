"""Load generator for a running ``restman serve``.

Measures, each for ``--duration`` seconds at ``--concurrency`` concurrent clients:

* ``orders``: POST /api/orders (placed orders per second, p50/p99 latency);
* ``menu``: GET /api/restaurants/{id}/menu (cached reads per second, p50/p99);
* ``ceiling``: GET /bench/ceiling, a trivial Litestar route on the same server (start the
  server with ``RESTMAN_BENCH_CEILING=1``): the bare-framework ceiling to compare with.

Sign-in: embedded mode reads the code from ``<data-dir>/outbox`` (``--data-dir``, default
``.restman``); otherwise pass an owner's session token with ``--token``.

    RESTMAN_BENCH_CEILING=1 restman serve --port 8000 &
    uv run python bench/load.py --base-url http://127.0.0.1:8000 --concurrency 32 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import email
import json
import re
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CODE = re.compile(r"^\s+(\d{4,10})\s*$", re.MULTILINE)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies) or [0.0]
        return {
            "scenario": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "per_second": round(self.requests / self.seconds, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        }


def _code_from_outbox(outbox: Path, address: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
            message = email.message_from_bytes(path.read_bytes())
            if address in str(message.get("To", "")):
                parts = message.walk() if message.is_multipart() else [message]
                for part in parts:
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes) and (found := CODE.search(payload.decode())):
                        return found.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no sign-in mail for {address} in {outbox}; is --data-dir right?")


async def _owner_token(client: httpx.AsyncClient, args: argparse.Namespace) -> str:
    if args.token:
        return str(args.token)
    address = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post("/api/auth/request-otp", json={"email": address, "role": "rest"})
    r.raise_for_status()
    code = await asyncio.to_thread(_code_from_outbox, Path(args.data_dir) / "outbox", address)
    r = await client.post("/api/auth/verify-otp", json={"email": address, "code": code})
    r.raise_for_status()
    return str(r.json()["token"])


async def _menu(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, str]:
    r = await client.post("/api/restaurants", json={"name": "Bench Bistro"}, headers=headers)
    r.raise_for_status()
    rid = r.json()["id"]
    r = await client.post(
        f"/api/restaurants/{rid}/categories", json={"name": "Mains"}, headers=headers
    )
    cid = r.json()["id"]
    r = await client.post(
        f"/api/restaurants/{rid}/foods",
        json={"category_id": cid, "name": "Soup", "price": "4.50"},
        headers=headers,
    )
    return rid, r.json()["id"]


async def _run(
    name: str, concurrency: int, duration: float, request: Callable[[], Awaitable[bool]]
) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration

    async def client_loop() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            ok = await request()
            latencies.append(time.perf_counter() - started)
            errors += 0 if ok else 1

    begun = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return Result(name, len(latencies), errors, time.perf_counter() - begun, latencies)


async def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(base_url=args.base_url, limits=limits, timeout=30) as client:
        headers = {"Authorization": f"Bearer {await _owner_token(client, args)}"}
        rid, fid = await _menu(client, headers)
        order = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}]}

        async def place() -> bool:
            return (
                await client.post("/api/orders", json=order, headers=headers)
            ).status_code == 201

        async def menu() -> bool:
            return (await client.get(f"/api/restaurants/{rid}/menu")).status_code == 200

        async def ceiling() -> bool:
            return (await client.get("/bench/ceiling")).status_code == 200

        scenarios = {"orders": place, "menu": menu, "ceiling": ceiling}
        results = []
        for name in args.scenarios:
            await _run(name, args.concurrency, args.warmup, scenarios[name])
            result = await _run(name, args.concurrency, args.duration, scenarios[name])
            results.append(result.summary())
            print(json.dumps(results[-1]), flush=True)
        return results


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--data-dir", default=".restman", help="embedded data dir (sign-in mail)")
    parser.add_argument("--token", help="an owner's session token instead of signing in")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=["ceiling", "menu", "orders"],
        choices=["orders", "menu", "ceiling"],
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
