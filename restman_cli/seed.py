"""``restman seed demo``: a realistic, idempotent demo data set.

Writes three restaurants with menus across the grill, fry and bar stations, an owner, kitchen
staff, customers, and a few hundred historical orders spread over past weeks, each with its
kitchen tickets, its bill and its analytics facts. Every id is derived from a stable name, so a
second run finds everything in place and adds nothing.

Historical orders are written with their own past timestamps: the platform runs on a clock the
seed sets to each moment, tickets and bills are opened by the kitchen and billing use cases in
the order's transaction, and the order's later life (kitchen bumps, payment) is applied with
the domain's own transitions. Everything is written in one transaction, so a run that cannot
finish leaves nothing behind; the analytics facts are recorded after it commits, and every run
records the facts of every demo order, so a run whose facts were lost is finished by the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress

from restman_cli.output import (
    OutputFormat,
    OutputOption,
    emit_record,
    examples,
    note,
    stderr,
)
from restman_cli.runtime import execute
from restman_cli.seed_data import CUSTOMERS, OWNER_EMAIL, RESTAURANTS, DemoRestaurant, seed_id
from restman_cli.seed_orders import OrderPlan, plan_order
from restman_core.domain.access import Role
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.users import User
from restman_core.errors import ConfigurationError, Conflict, InvalidInput, Unavailable
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.storage import Transaction
from restman_core.services.menus import menu_cache_key

if TYPE_CHECKING:
    from restman_cli.seed_history import SeedClock, WrittenOrder
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Demo data.", no_args_is_help=True)

BATCH_SIZE = 50
FACT_BATCH_SIZE = 500


async def _ensure_user(tx: Transaction, email: str, role: Role, at: datetime) -> bool:
    if await tx.users.get_by_email(email) is not None:
        return False
    await tx.users.add(User(seed_id("user", email), email, role, True, at, at))
    return True


def _restaurant(demo: DemoRestaurant, owner: User, at: datetime) -> Restaurant:
    return Restaurant(
        id=seed_id("restaurant", demo.key),
        owner_id=owner.id,
        name=demo.name,
        description=demo.description,
        address=demo.address,
        phone=demo.phone,
        tax_rate=demo.tax_rate,
        is_active=True,
        created_at=at,
        updated_at=at,
    )


def _menu(demo: DemoRestaurant, at: datetime) -> tuple[list[Category], list[Food]]:
    """The demo restaurant's categories and foods, with their stable ids."""
    restaurant_id = seed_id("restaurant", demo.key)
    categories, foods = [], []
    for position, group in enumerate(demo.categories):
        category_id = seed_id("category", demo.key, group.name)
        categories.append(
            Category(
                category_id, restaurant_id, group.name, None, position, group.station, True, at, at
            )
        )
        foods += [
            Food(
                seed_id("food", demo.key, f.name),
                restaurant_id,
                category_id,
                f.name,
                f.description,
                f.price,
                True,
                f.stock,
                f.prep_seconds,
                f.station,
                False,
                at,
                at,
            )
            for f in group.foods
        ]
    return categories, foods


async def _ensure_restaurant(
    tx: Transaction, demo: DemoRestaurant, owner: User, at: datetime
) -> int:
    """Write the restaurant, its categories and foods where missing; returns objects added."""
    restaurant = _restaurant(demo, owner, at)
    added = 0
    if await tx.restaurants.get(restaurant.id) is None:
        await tx.restaurants.add(restaurant)
        added += 1
    categories, foods = _menu(demo, at)
    known_categories = {c.id for c in await tx.categories.list_for(restaurant.id)}
    for category in categories:
        if category.id not in known_categories:
            await tx.categories.add(category)
            added += 1
    known_foods = {f.id for f in await tx.foods.list_for(restaurant.id)}
    for food in foods:
        if food.id not in known_foods:
            await tx.foods.add(food)
            added += 1
    return added


async def _ensure_catalog(tx: Transaction, at: datetime) -> dict[str, int]:
    """Users, restaurants, menus and staff, each added only when missing."""
    users = int(await _ensure_user(tx, OWNER_EMAIL, Role.OWNER, at))
    for email in CUSTOMERS:
        users += await _ensure_user(tx, email, Role.CUSTOMER, at)
    owner = await tx.users.get_by_email(OWNER_EMAIL)
    assert owner is not None
    menu_objects = 0
    for demo in RESTAURANTS:
        menu_objects += await _ensure_restaurant(tx, demo, owner, at)
        for email in demo.kitchen_staff:
            users += await _ensure_user(tx, email, Role.KITCHEN, at)
            member = await tx.users.get_by_email(email)
            assert member is not None
            await tx.staff.add(seed_id("restaurant", demo.key), member.id, owner.id, at)
    return {"users_created": users, "menu_objects_created": menu_objects}


@dataclass(frozen=True, slots=True)
class _Written:
    catalog: dict[str, int]
    new: list[WrittenOrder]
    earlier: list[WrittenOrder]


async def _write_everything(
    platform: Platform, clock: SeedClock, plans: list[OrderPlan], at: datetime, tx: Transaction
) -> _Written:
    """The whole data set in the caller's one transaction: it commits entirely or not at all."""
    catalog = await _ensure_catalog(tx, at)
    # The history writer pulls in the event pipeline's fact builders (and their metrics):
    # imported when seeding, not when the command tree loads.
    from restman_cli import seed_history

    new: list[WrittenOrder] = []
    with Progress(console=stderr(), transient=True) as progress:
        task = progress.add_task("seeding orders", total=len(plans))
        for start in range(0, len(plans), BATCH_SIZE):
            batch = plans[start : start + BATCH_SIZE]
            new += await seed_history.write_batch(platform, clock, batch, tx)
            progress.advance(task, len(batch))
    clock.moment = None
    earlier = await seed_history.already_there(tx, plans, {w.order.id for w in new})
    return _Written(catalog, new, earlier)


async def _record_facts(store: AnalyticsStore, orders: list[WrittenOrder]) -> int:
    facts = [fact for order in orders for fact in order.facts()]
    try:
        for start in range(0, len(facts), FACT_BATCH_SIZE):
            await store.record(facts[start : start + FACT_BATCH_SIZE])
    except Unavailable as error:
        raise Unavailable(
            f"{error.message}. The demo data is written (it commits as one transaction) but its "
            "analytics facts are not all recorded; run `restman seed demo` again to record them"
        ) from error
    return len(facts)


async def seed_demo(platform: Platform, clock: SeedClock, orders: int, days: int) -> dict[str, Any]:
    """Seed the demo data set; returns what was added (zero orders on a second run).

    Never half-written: the analytics store is reached before anything is written (so an
    unavailable one leaves nothing behind), and every row is written in one transaction.
    Analytics facts are recorded after the commit; if that fails the error says so, and the
    next run records the facts of every demo order, earlier runs' included."""
    now = datetime.now(UTC)
    try:
        store = await platform.analytics()
        await store.health()
    except Unavailable as error:
        raise Unavailable(f"{error.message}; nothing was written") from error
    plans = [plan_order(i, now, days) for i in range(orders)]
    at = now - timedelta(days=days + 1)
    try:
        written = await platform.db.run(partial(_write_everything, platform, clock, plans, at))
    except (Unavailable, Conflict, InvalidInput, ConfigurationError) as error:
        raise type(error)(f"{error.message}; nothing was written (one transaction)") from error
    finally:
        clock.moment = None
    for demo in RESTAURANTS:
        await platform.cache.delete(menu_cache_key(seed_id("restaurant", demo.key)))
    facts = await _record_facts(store, [*written.new, *written.earlier])
    new_facts = sum(len(order.facts()) for order in written.new)
    return {
        **written.catalog,
        "orders_created": len(written.new),
        "orders_already_there": len(plans) - len(written.new),
        "analytics_facts_recorded": new_facts,
        # Earlier runs' facts, recorded again (idempotent) in case they were lost.
        "analytics_facts_rerecorded": facts - new_facts,
    }


@app.command(
    "demo",
    epilog=examples("restman seed demo", "restman seed demo --orders 1000 --days 90 -o json"),
)
def demo(
    orders: Annotated[int, typer.Option(min=0, max=20_000, help="Historical orders.")] = 300,
    days: Annotated[
        int, typer.Option(min=1, max=365, help="Spread them over this many days.")
    ] = 42,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Seed demo restaurants, menus, people and order history.

    Safe to run again: what is already there is kept and nothing is duplicated.
    """
    from restman_cli.seed_history import SeedClock

    clock = SeedClock()
    report = execute(lambda platform: seed_demo(platform, clock, orders, days), clock=clock)
    emit_record(report, output, title="Demo data")
    if output is OutputFormat.TABLE:
        # One id per line, whole, never inside a table cell: it is copied into --restaurant.
        for r in RESTAURANTS:
            typer.echo(f"\n{r.name}\n  id:    {seed_id('restaurant', r.key)}")
            for email in r.kitchen_staff:
                typer.echo(f"  staff: {email}")
        typer.echo("")
        note(f"owner: {OWNER_EMAIL}; customers: {len(CUSTOMERS)} at @{OWNER_EMAIL.split('@')[1]}")
