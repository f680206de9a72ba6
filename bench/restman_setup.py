"""Starting RestMan for the benchmark, signing in through the real code flow, and seeding a menu.

Embedded: one ``restman serve`` on a temporary data directory. Distributed: ``restman serve``
and ``restman worker all`` side by side on a fresh PostgreSQL database (migrated with
``restman db upgrade``), a Redis database index of the run's own and a tansu broker. Neither
sets ``SMTP_HOST``, so sign-in mail is written under ``<data>/outbox/`` in both.
"""

from __future__ import annotations

import email
import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.procs import BenchError, Child, Resources, free_port, port_open, wait_until

RESTMAN = str(Path(sys.executable).parent / "restman")
CODE = re.compile(r"^\s+(\d{4,10})\s*$", re.MULTILINE)
READY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Menu:
    """A restaurant with one untracked food: what the order body names."""

    restaurant_id: str
    food_id: str

    def order_body(self) -> str:
        items = [{"food_id": self.food_id, "quantity": 1}]
        return json.dumps({"restaurant_id": self.restaurant_id, "items": items})


@dataclass
class Server:
    """A running RestMan: its base URL, data directory, processes and signed-in users."""

    base_url: str
    data_dir: Path
    children: list[Child]
    owner_token: str = ""
    customer_token: str = ""

    def check(self) -> None:
        for child in self.children:
            child.check()


def base_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RESTMAN_DATA_DIR": str(data_dir),
        "RESTMAN_BENCH_CEILING": "1",
        "RESTMAN_SECRET_KEY": secrets.token_hex(32),
        # every request comes from 127.0.0.1; only the run's own few sign-ins hit these
        "RESTMAN_AUTH_RATE_LIMIT_PER_ADDRESS": "100000",
    }


def start_serve(res: Resources, env: dict[str, str], data_dir: Path) -> Server:
    port = free_port()
    serve = res.start(
        "restman serve",
        [RESTMAN, "serve", "--port", str(port)],
        log=data_dir / "serve.log",
        env=env,
    )
    server = Server(f"http://127.0.0.1:{port}", data_dir, [serve])

    def ready() -> bool | None:
        serve.check()
        if not port_open(port):
            return None
        try:
            return (
                True
                if httpx.get(f"{server.base_url}/ready", timeout=5).status_code == 200
                else None
            )
        except httpx.HTTPError:
            return None

    wait_until(ready, what="restman serve to answer /ready", timeout=READY_TIMEOUT, every=0.2)
    return server


def start_embedded(res: Resources) -> Server:
    data_dir = res.temp_dir("embedded")
    return start_serve(res, base_env(data_dir), data_dir)


def start_distributed(res: Resources, database_url: str, redis_url: str, brokers: str) -> Server:
    data_dir = res.temp_dir("distributed")
    env = {
        **base_env(data_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "KAFKA_BROKERS": brokers,
    }
    done = subprocess.run(
        [RESTMAN, "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"restman db upgrade failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    worker = res.start(
        "restman worker all", [RESTMAN, "worker", "all"], log=data_dir / "worker.log", env=env
    )
    server = start_serve(res, env, data_dir)
    server.children.append(worker)
    worker.check()
    return server


def _code_in(outbox: Path, address: str) -> str | None:
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = email.message_from_bytes(path.read_bytes())
        if address not in str(message.get("To", "")):
            continue
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and (found := CODE.search(payload.decode())):
                return found.group(1)
    return None


def sign_in(server: Server, client: httpx.Client, role: str | None) -> str:
    """A session token for a new user: request a code, read the mail, verify it."""
    address = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": address, **({"role": role} if role else {})}
    client.post("/api/auth/request-otp", json=body).raise_for_status()
    outbox = server.data_dir / "outbox"
    code = wait_until(
        lambda: _code_in(outbox, address) if outbox.is_dir() else None,
        what=f"the sign-in mail for {address} under {outbox}",
        timeout=30,
    )
    answer = client.post("/api/auth/verify-otp", json={"email": address, "code": code})
    answer.raise_for_status()
    return str(answer.json()["token"])


def create_menu(client: httpx.Client, owner_token: str, name: str) -> Menu:
    headers = {"Authorization": f"Bearer {owner_token}"}

    def created(path: str, body: dict[str, str]) -> str:
        answer = client.post(path, json=body, headers=headers)
        answer.raise_for_status()
        return str(answer.json()["id"])

    rid = created("/api/restaurants", {"name": name})
    cid = created(f"/api/restaurants/{rid}/categories", {"name": "Mains"})
    fid = created(
        f"/api/restaurants/{rid}/foods", {"category_id": cid, "name": "Soup", "price": "4.50"}
    )
    return Menu(rid, fid)


def prepare(server: Server) -> tuple[Menu, Menu]:
    """Sign in an owner and a customer; create the load's restaurant and the sampler's."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        server.owner_token = sign_in(server, client, "rest")
        server.customer_token = sign_in(server, client, None)
        return (
            create_menu(client, server.owner_token, "Bench Bistro"),
            create_menu(client, server.owner_token, "Bench Sampler"),
        )


def place_order(server: Server, menu: Menu) -> str:
    """One order through the API; its id."""
    answer = httpx.post(
        f"{server.base_url}/api/orders",
        content=menu.order_body(),
        headers={
            "Authorization": f"Bearer {server.customer_token}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    if answer.status_code != 201:
        raise BenchError(f"placing an order answered {answer.status_code}: {answer.text[:500]}")
    return str(answer.json()["id"])
