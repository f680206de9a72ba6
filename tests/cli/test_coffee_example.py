"""The README's coffee shop: ``examples/coffee.yaml`` imports (foods, tax rates, hours, time
zone, prices including tax), exports and imports back unchanged, and the order the README
bills gets exactly the bill the README shows, through the real platform at the README's time."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from restman_core.bootstrap import bootstrap
from restman_core.config import load_settings
from restman_core.domain.access import Role
from restman_core.domain.kitchen import TicketStatus
from restman_core.errors import Conflict
from tests.auth.helpers import ManualClock
from tests.cli.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
COFFEE = ROOT / "examples" / "coffee.yaml"
LONDON = ZoneInfo("Europe/London")


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## A worked example: a coffee shop's menu file")
    return text[start : text.index("\n## ", start + 1)]


def readme_bill() -> list[tuple[str, str]]:
    """The rows of the README's bill table: (line, amount), bold marks dropped."""
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", readme_example(), re.MULTILINE)
    return [(a.strip("* "), b.strip("* ")) for a, b in rows if a not in ("line", "---")]


def bill_rows(bill: dict[str, Any]) -> list[tuple[str, str]]:
    """The bill as the README's table words it."""

    def percent(rate: str) -> str:
        return f"{float(rate) * 100:g} %"

    rows = [
        (f"{line['quantity']} × {line['name']} ({percent(line['tax_rate'])})", line["amount"])
        for line in bill["lines"]
    ]
    rows.append(("subtotal", bill["subtotal"]))
    rows += [
        (f"tax {percent(t['rate'])} included on {t['taxable']}", t["amount"]) for t in bill["taxes"]
    ]
    rows.append(("total", bill["total_amount"]))
    return rows


@pytest.fixture
def coffee_shop(cli: Cli) -> str:
    cli.ok("users", "create-admin", "owner@example.com")
    created = cli.json("restaurants", "create", "Corner Coffee", "--owner", "owner@example.com")
    return str(created["id"])


async def place(data_dir: Path, restaurant: str, at: datetime, lines: list[tuple[int, str]]) -> str:
    """Place a takeaway of ``lines`` (quantity, food name) at ``at`` and open its bill."""
    platform = await bootstrap(load_settings(data_dir=data_dir), clock=ManualClock(at))
    try:
        guest = (await platform.users.ensure("guest@example.com", Role.CUSTOMER)).as_actor()
        rid = uuid.UUID(restaurant)
        foods = {f.name: f.id for f in await platform.db.run(lambda tx: tx.foods.list_for(rid))}
        placed = await platform.orders.place_order(
            guest,
            {
                "restaurant_id": restaurant,
                "order_type": "takeaway",
                "items": [{"food_id": str(foods[name]), "quantity": n} for n, name in lines],
            },
        )
        await platform.process_events()
        return str(placed.order.id)
    finally:
        await platform.close()


def test_the_readme_coffee_shop_bills_as_shown(cli: Cli, coffee_shop: str) -> None:
    assert "restman menu import examples/coffee.yaml --restaurant <id>" in readme_example()
    report = cli.json("menu", "import", str(COFFEE), "--restaurant", coffee_shop)
    assert (report["foods_created"], report["restaurant_updated"]) == (6, True)
    shop = cli.json("restaurants", "show", coffee_shop)
    assert (shop["timezone"], shop["prices_include_tax"]) == ("Europe/London", True)
    assert shop["opening_hours"]["sat"] == [["08:00", "16:00"]]

    shown = readme_bill()
    ordered = [
        (int(m[1]), m[2]) for m in (re.match(r"(\d+) × (.+) \(", line) for line, _ in shown) if m
    ]
    assert ordered == [(2, "Flat white"), (1, "Bacon roll"), (1, "Croissant")]
    tuesday = datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)  # "09:30 on a Tuesday, London time"
    assert "09:30 on a Tuesday, London time" in readme_example()
    order = asyncio.run(place(Path(cli.env["RESTMAN_DATA_DIR"]), coffee_shop, tuesday, ordered))
    bill = cli.json("bills", "show", order)
    assert bill_rows(bill) == shown
    assert len({t["rate"] for t in bill["taxes"]}) == 2

    late = datetime(2026, 12, 1, 11, 45, tzinfo=LONDON)
    with pytest.raises(Conflict):
        asyncio.run(
            place(Path(cli.env["RESTMAN_DATA_DIR"]), coffee_shop, late, [(1, "Bacon roll")])
        )


@pytest.mark.parametrize("kind", ["csv", "json", "yaml"])
def test_the_coffee_menu_round_trips_with_its_settings(
    cli: Cli, coffee_shop: str, kind: str
) -> None:
    cli.ok("menu", "import", str(COFFEE), "--restaurant", coffee_shop)
    exported = cli.ok("menu", "export", "--restaurant", coffee_shop, "--format", kind).stdout
    copy = cli.json("restaurants", "create", "Corner Coffee 2", "--owner", "owner@example.com")
    path = cli.cwd / f"copy.{kind}"
    path.write_text(exported)
    cli.ok("menu", "import", str(path), "--restaurant", copy["id"])
    again = cli.ok("menu", "export", "--restaurant", copy["id"], "--format", kind).stdout
    assert again == exported
    settings = ("timezone", "prices_include_tax", "opening_hours", "tax_rate")
    first, second = (cli.json("restaurants", "show", r) for r in (coffee_shop, copy["id"]))
    assert {k: second.get(k) for k in settings[:3]} == {k: first.get(k) for k in settings[:3]}
    rates = {
        f["name"]: f["tax_rate"] for f in cli.json("foods", "list", "--restaurant", copy["id"])
    }
    assert rates["Flat white"] == rates["Espresso"] != rates["Croissant"]
    second_import = cli.json("menu", "import", str(path), "--restaurant", copy["id"])
    assert second_import["restaurant_updated"] is False


async def cook(data_dir: Path, order_id: str, at: datetime) -> None:
    """The owner bumps every ticket of the order to READY at ``at``; the consumers follow."""
    platform = await bootstrap(load_settings(data_dir=data_dir), clock=ManualClock(at))
    try:
        owner = (await platform.users.ensure("owner@example.com", Role.ADMIN)).as_actor()
        tickets = await platform.db.run(lambda tx: tx.tickets.for_order(uuid.UUID(order_id)))
        for ticket in tickets:
            for status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.READY):
                await platform.kitchen.move_ticket(owner, ticket.id, status)
        for _ in range(3):  # the kitchen's events move the order, whose events become facts
            await platform.process_events()
    finally:
        await platform.close()


def test_the_quote_error_of_a_late_order_on_the_command_line(cli: Cli, coffee_shop: str) -> None:
    data_dir = Path(cli.env["RESTMAN_DATA_DIR"])
    nothing = cli.json("analytics", "quote-errors", "--from", "2026-12-01", "--to", "2026-12-01")
    assert nothing == [
        {
            "restaurant_id": "all",
            "quoted_orders": 0,
            "quote_error_p50_seconds": None,
            "quote_error_p90_seconds": None,
        }
    ]
    cli.ok("menu", "import", str(COFFEE), "--restaurant", coffee_shop)
    placed_at = datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)
    order = asyncio.run(place(data_dir, coffee_shop, placed_at, [(1, "Bacon roll")]))
    quoted = datetime.fromisoformat(cli.json("orders", "show", order)["quoted_ready_at"])
    assert quoted == placed_at + timedelta(seconds=300)  # the bacon roll's prep time
    asyncio.run(cook(data_dir, order, quoted + timedelta(seconds=90)))  # 90 s late
    found = cli.json("analytics", "quote-errors", "--from", "2026-12-01", "--to", "2026-12-01")
    late = {"quoted_orders": 1, "quote_error_p50_seconds": 90.0, "quote_error_p90_seconds": 90.0}
    assert found == [{"restaurant_id": "all", **late}, {"restaurant_id": coffee_shop, **late}]
    table = cli.ok("analytics", "quote-errors", "--from", "2026-12-01", "--to", "2026-12-01")
    assert "90.0" in table.stdout
