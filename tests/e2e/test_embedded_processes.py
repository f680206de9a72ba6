"""One embedded installation, many processes: ``restman serve --workers 2`` with orders
flowing while CLI reports run beside it, and a CLI menu import seen by the running server.
Every process is real (started as a user starts it) and every HTTP answer is checked: no 5xx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.harness import Harness, User
from tests.e2e.shared import Answers, cli_json, revenue_figures, sql_truth
from tests.support.restman_processes import embedded_env, restman_processes, run_cli
from tests.support.services import SERVED_CLIENT_LIMITS, free_port, wait_for

pytestmark = [pytest.mark.slow]
ORDERS = 12


@dataclass
class Served:
    api: Harness
    answers: Answers
    env: dict[str, str]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """``restman serve --workers 2`` on a fresh embedded data directory."""
    env = embedded_env(tmp_path / "data")
    port = free_port()
    answers = Answers()
    with restman_processes(tmp_path / "logs") as processes:
        await processes.serve(env, port, workers=2)
        async with httpx.AsyncClient(
            limits=SERVED_CLIENT_LIMITS,
            base_url=f"http://127.0.0.1:{port}",
            timeout=60,
            event_hooks={"response": [answers]},
        ) as client:
            yield Served(Harness(None, client, tmp_path / "data"), answers, env)


async def _cli_reports(env: dict[str, str], rid: str, rounds: int) -> list[tuple[int, str, str]]:
    results: list[tuple[int, str, str]] = []
    for _ in range(rounds):
        results += await asyncio.gather(
            run_cli(["analytics", "revenue", "--restaurant", rid, "-o", "json"], env),
            run_cli(["analytics", "top-foods", "--restaurant", rid, "-o", "json"], env),
        )
    return results


async def _api_reports(api: Harness, owner: User, rid: str, rounds: int) -> None:
    for _ in range(rounds):
        for path in ("revenue", "top-foods", "orders-by-status"):
            r = await api.client.get(
                f"/api/analytics/{path}", params={"restaurant_id": rid}, headers=owner.headers
            )
            assert r.status_code == 200, r.text


async def test_two_workers_and_cli_reports_share_the_analytics_store(served: Served) -> None:
    api = served.api
    owner, customer = await api.new_user("rest"), await api.new_user("user")
    rid, _, fid = await api.restaurant_with_food(owner, price="12.99")

    async def orders() -> None:
        for _ in range(ORDERS):
            await api.place(customer, rid, fid, quantity=2)

    _, cli, _ = await asyncio.gather(
        orders(), _cli_reports(served.env, rid, 2), _api_reports(api, owner, rid, 6)
    )
    for code, _, err in cli:
        assert code == 0, f"a CLI report failed beside the server (exit {code}): {err[-2000:]}"

    truth = await sql_truth(api.client, owner, rid)
    assert truth == {"total_orders": ORDERS, "total_revenue": f"{ORDERS * 2 * 12.99:.2f}"}

    async def api_revenue() -> object:
        r = await api.client.get(
            "/api/analytics/revenue", params={"restaurant_id": rid}, headers=owner.headers
        )
        return r.status_code if r.status_code != 200 else revenue_figures(r.json())

    await wait_for(
        api_revenue, until=truth.__eq__, what="API revenue = SQL", timeout=60, interval=0.3
    )
    revenue = cli_json(
        *await run_cli(["analytics", "revenue", "--restaurant", rid, "-o", "json"], served.env)
    )
    assert revenue_figures(revenue) == truth
    foods = cli_json(
        *await run_cli(["analytics", "top-foods", "--restaurant", rid, "-o", "json"], served.env)
    )
    assert [(f["total_quantity"], f["total_revenue"]) for f in foods] == [
        (ORDERS * 2, truth["total_revenue"])
    ]
    assert served.answers.failures == [], served.answers.failures


async def _menu_prices(client: httpx.AsyncClient, rid: str) -> list[str]:
    r = await client.get(f"/api/restaurants/{rid}/menu")
    assert r.status_code == 200, r.text
    return [f["price"] for c in r.json()["categories"] for f in c["foods"]]


async def test_a_cli_menu_import_reaches_every_worker_within_a_second(
    served: Served, tmp_path: Path
) -> None:
    api = served.api
    owner, customer = await api.new_user("rest"), await api.new_user("user")
    rid, _, fid = await api.restaurant_with_food(owner, price="12.99")
    for _ in range(8):  # both workers cache the menu (each answers some of these)
        assert await _menu_prices(api.client, rid) == ["12.99"]
    menu = tmp_path / "menu.csv"
    menu.write_text("category,name,price\nPizzas,Margherita,14.50\n")

    code, _, err = await run_cli(["menu", "import", str(menu), "--restaurant", rid], served.env)
    imported_at = time.monotonic()
    assert code == 0, err

    async def served_prices() -> list[list[str]]:
        # Several reads in a row: a stale worker would answer at least one of them.
        return [await _menu_prices(api.client, rid) for _ in range(6)]

    await wait_for(
        served_prices,
        until=lambda seen: all(prices == ["14.50"] for prices in seen),
        what="the new price from every worker",
        timeout=10,
        interval=0.02,
    )
    waited = time.monotonic() - imported_at
    assert waited < 1.0, f"the imported price took {waited:.2f} s to reach every worker"
    order = await api.place(customer, rid, fid, quantity=1)
    assert [i["unit_price"] for i in order["items"]] == ["14.50"], order  # as the menu shows
    assert served.answers.failures == [], served.answers.failures


async def test_seed_doctor_and_reports_work_beside_a_running_server(served: Served) -> None:
    """The operator's commands beside a running embedded server that has processed an order:
    each finishes, says the truth, and the server keeps answering."""
    api = served.api
    owner, customer = await api.new_user("rest"), await api.new_user("user")
    rid, _, fid = await api.restaurant_with_food(owner, price="12.99")
    await api.place(customer, rid, fid, quantity=2)
    truth = {"total_orders": 1, "total_revenue": "25.98"}

    async def api_revenue() -> object:
        r = await api.client.get(
            "/api/analytics/revenue", params={"restaurant_id": rid}, headers=owner.headers
        )
        return r.status_code if r.status_code != 200 else revenue_figures(r.json())

    await wait_for(api_revenue, until=truth.__eq__, what="the order in analytics", timeout=60)

    revenue = cli_json(
        *await run_cli(["analytics", "revenue", "--restaurant", rid, "-o", "json"], served.env)
    )
    assert revenue_figures(revenue) == truth
    seeded = cli_json(*await run_cli(["seed", "demo", "--orders", "20", "-o", "json"], served.env))
    assert seeded["orders_created"] == 20
    checks = cli_json(*await run_cli(["doctor", "-o", "json"], served.env))
    assert {c["check"]: c["verdict"] for c in checks}["analytics"] == "ok", checks
    assert all(c["verdict"] != "fail" for c in checks), checks
    # The server still serves, and its reports still equal SQL for the restaurant it had.
    assert await api_revenue() == truth
    assert served.answers.failures == [], served.answers.failures
