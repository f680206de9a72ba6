"""The menu import and export use cases on the embedded SQLite database: all-or-nothing imports
matched by name, every bad row reported with its line, the menu.* outbox events, the menu cache
dropped after a commit, and ownership."""

from __future__ import annotations

from decimal import Decimal

import pytest

from restman_core.adapters.local.cache import LocalCache
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import SystemClock
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.errors import Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from restman_core.services.menu_import import MenuImportRow, MenuImportService, inspect_rows
from restman_core.services.menus import MenuService, menu_cache_key
from tests.core.builders import add_user, outbox_events

GOOD_ROWS = (
    MenuImportRow(2, "Burgers", "Classic Burger", "11.50", "Beef, cheddar", None, "grill", "true"),
    MenuImportRow(3, "Sides", "Fries", "3.90", None, "", "fry", "", "25", "240"),
    MenuImportRow(4, "burgers", "Veggie Burger", 12, None, "Kitchen", None, "no", 0),
)


@pytest.fixture
def cache() -> LocalCache:
    return LocalCache()


@pytest.fixture
def importer(sqlite_database: SqlDatabase, cache: LocalCache) -> MenuImportService:
    return MenuImportService(sqlite_database, SystemClock(), cache=cache)


@pytest.fixture
async def owner(sqlite_database: SqlDatabase) -> Actor:
    return await add_user(sqlite_database, Role.OWNER, "owner")


@pytest.fixture
async def restaurant(sqlite_database: SqlDatabase, owner: Actor) -> Restaurant:
    return await MenuService(sqlite_database, SystemClock()).create_restaurant(
        owner, {"name": "Imported Diner"}
    )


async def _menu(db: SqlDatabase, restaurant: Restaurant) -> tuple[list[Category], list[Food]]:
    async def work(tx: Transaction) -> tuple[list[Category], list[Food]]:
        categories = list(await tx.categories.list_for(restaurant.id))
        return categories, list(await tx.foods.list_for(restaurant.id))

    return await db.run(work)


async def _menu_events(db: SqlDatabase, restaurant: Restaurant) -> list[str]:
    events = await outbox_events(db, restaurant.id)
    return [e["event_type"] for e in events if e["event_type"].startswith("menu.")]


async def test_a_good_import_creates_categories_foods_and_events(
    importer: MenuImportService,
    sqlite_database: SqlDatabase,
    cache: LocalCache,
    owner: Actor,
    restaurant: Restaurant,
) -> None:
    await cache.set(menu_cache_key(restaurant.id), b"stale menu", 300)
    seen: list[tuple[int, int]] = []
    summary = await importer.import_menu(
        owner, restaurant.id, GOOD_ROWS, progress=lambda done, total: seen.append((done, total))
    )
    assert (summary.categories_created, summary.foods_created, summary.foods_updated) == (2, 3, 0)
    assert summary.dry_run is False
    categories, foods = await _menu(sqlite_database, restaurant)
    # "burgers" names the Burgers category of line 2 (names match whatever their case).
    assert {(c.name, c.station, c.display_order) for c in categories} == {
        ("Burgers", "grill", 0),
        ("Sides", "fry", 1),
    }
    by_name = {f.name: f for f in foods}
    veggie = by_name["Veggie Burger"]
    assert (veggie.price, veggie.is_available, veggie.stock_remaining, veggie.station) == (
        Decimal("12.00"),
        False,
        0,
        "kitchen",
    )
    fries = by_name["Fries"]
    assert (fries.stock_remaining, fries.prep_time_seconds, fries.station) == (25, 240, None)
    assert by_name["Classic Burger"].description == "Beef, cheddar"
    assert await _menu_events(sqlite_database, restaurant) == [
        "menu.category_created",
        "menu.category_created",
        "menu.food_created",
        "menu.food_created",
        "menu.food_created",
    ]
    created = await outbox_events(sqlite_database, restaurant.id, "menu.food_created")
    assert {e["data"]["price"] for e in created} == {"11.50", "3.90", "12.00"}
    assert seen[-1] == (5, 5)
    assert await cache.get(menu_cache_key(restaurant.id)) is None


async def test_a_second_import_updates_foods_by_name(
    importer: MenuImportService, sqlite_database: SqlDatabase, owner: Actor, restaurant: Restaurant
) -> None:
    await importer.import_menu(owner, restaurant.id, GOOD_ROWS)
    _, before = await _menu(sqlite_database, restaurant)
    again = (
        MenuImportRow(2, "Sides", "classic burger", "9.99"),
        MenuImportRow(3, "Desserts", "Sundae", "4.00"),
    )
    summary = await importer.import_menu(owner, restaurant.id, again)
    assert (summary.categories_created, summary.foods_created, summary.foods_updated) == (1, 1, 1)
    categories, after = await _menu(sqlite_database, restaurant)
    assert len(categories) == 3
    burger = next(
        f for f in after if f.id == next(b.id for b in before if b.name == "Classic Burger")
    )
    sides = next(c for c in categories if c.name == "Sides")
    # An import replaces every field of a matched food: the blank description clears it.
    assert (burger.name, burger.price, burger.category_id, burger.description) == (
        "classic burger",
        Decimal("9.99"),
        sides.id,
        None,
    )
    assert len(after) == len(before) + 1
    updates = await outbox_events(sqlite_database, restaurant.id, "menu.food_updated")
    assert [e["data"]["id"] for e in updates] == [str(burger.id)]


async def test_every_bad_row_is_reported_and_nothing_is_written(
    importer: MenuImportService, sqlite_database: SqlDatabase, owner: Actor, restaurant: Restaurant
) -> None:
    rows = (
        MenuImportRow(2, "Mains", "Good Dish", "10.00"),
        MenuImportRow(3, "Mains", "", "9.00"),
        MenuImportRow(4, "Mains", "Cheap Dish", "-1"),
        MenuImportRow(5, "Mains", "Odd Dish", 1.234),
        MenuImportRow(6, "Mains", "Counted Dish", "5.00", stock="many"),
        MenuImportRow(7, "Mains", "good dish", "11.00"),
        MenuImportRow(8, "Mains", "Maybe Dish", "2.00", available="maybe"),
        MenuImportRow(9, None, "Lost Dish", "2.00"),
        MenuImportRow(10, "Mains", "Free Dish"),
        MenuImportRow(11, "Mains", "Slow Dish", "2.00", prep_time_seconds=90_000),
    )
    with pytest.raises(InvalidInput) as caught:
        await importer.import_menu(owner, restaurant.id, rows)
    assert caught.value.details == {
        "rows": [
            {"line": 3, "reason": "name is required"},
            {"line": 4, "reason": "price must not be negative"},
            {"line": 5, "reason": "price must have at most two decimal places"},
            {"line": 6, "reason": "stock must be a whole number"},
            {"line": 7, "reason": "'good dish' is already on line 2"},
            {"line": 8, "reason": "available must be true or false"},
            {"line": 9, "reason": "category is required"},
            {"line": 10, "reason": "price is required"},
            {"line": 11, "reason": "prep_time_seconds must be between 0 and 86400"},
        ]
    }
    assert len(inspect_rows(rows)[0]) == 1
    assert await _menu(sqlite_database, restaurant) == ([], [])
    assert await _menu_events(sqlite_database, restaurant) == []


async def test_a_dry_run_plans_but_writes_nothing(
    importer: MenuImportService,
    sqlite_database: SqlDatabase,
    cache: LocalCache,
    owner: Actor,
    restaurant: Restaurant,
) -> None:
    await cache.set(menu_cache_key(restaurant.id), b"current menu", 300)
    summary = await importer.import_menu(owner, restaurant.id, GOOD_ROWS, dry_run=True)
    assert (summary.dry_run, summary.categories_created, summary.foods_created) == (True, 2, 3)
    assert await _menu(sqlite_database, restaurant) == ([], [])
    assert await _menu_events(sqlite_database, restaurant) == []
    assert await cache.get(menu_cache_key(restaurant.id)) == b"current menu"


async def test_only_the_owner_or_an_admin_imports_and_exports(
    importer: MenuImportService, sqlite_database: SqlDatabase, owner: Actor, restaurant: Restaurant
) -> None:
    rival = await add_user(sqlite_database, Role.OWNER, "rival")
    with pytest.raises(NotFound):
        await importer.import_menu(rival, restaurant.id, GOOD_ROWS)
    with pytest.raises(NotFound):
        await importer.import_menu(rival, restaurant.id, GOOD_ROWS, dry_run=True)
    with pytest.raises(NotFound):
        await importer.export_menu(rival, restaurant.id)
    customer = await add_user(sqlite_database, Role.CUSTOMER, "customer")
    with pytest.raises(Forbidden):
        await importer.import_menu(customer, restaurant.id, GOOD_ROWS)
    assert await _menu(sqlite_database, restaurant) == ([], [])
    admin = await add_user(sqlite_database, Role.ADMIN, "admin")
    summary = await importer.import_menu(admin, restaurant.id, GOOD_ROWS)
    assert summary.foods_created == 3


async def test_an_export_imports_back_unchanged(
    importer: MenuImportService, sqlite_database: SqlDatabase, owner: Actor, restaurant: Restaurant
) -> None:
    await importer.import_menu(owner, restaurant.id, GOOD_ROWS)
    exported = await importer.export_menu(owner, restaurant.id)
    assert {(e.name, e.price, e.available, e.stock) for e in exported} == {
        ("Classic Burger", Decimal("11.50"), True, None),
        ("Fries", Decimal("3.90"), True, 25),
        ("Veggie Burger", Decimal("12.00"), False, 0),
    }
    rows = [
        MenuImportRow(line, e.category, e.name, e.price, e.description, e.station,
                      e.category_station, e.available, e.stock, e.prep_time_seconds)
        for line, e in enumerate(exported, start=2)
    ]  # fmt: skip
    summary = await importer.import_menu(owner, restaurant.id, rows)
    assert (summary.categories_created, summary.foods_created, summary.foods_updated) == (0, 0, 3)
    assert sorted(await importer.export_menu(owner, restaurant.id), key=str) == sorted(
        exported, key=str
    )


async def test_an_import_never_fills_a_deleted_category(
    importer: MenuImportService, sqlite_database: SqlDatabase, owner: Actor, restaurant: Restaurant
) -> None:
    await importer.import_menu(owner, restaurant.id, GOOD_ROWS)
    categories, _ = await _menu(sqlite_database, restaurant)
    burgers = next(c for c in categories if c.name == "Burgers")
    menus = MenuService(sqlite_database, SystemClock())
    await menus.delete_category(owner, restaurant.id, burgers.id)
    # The deleted category's foods are off the menu, so off the export too.
    exported = await importer.export_menu(owner, restaurant.id)
    assert {e.name for e in exported} == {"Fries"}

    summary = await importer.import_menu(
        owner, restaurant.id, (MenuImportRow(2, "Burgers", "Smash Burger", "10.00"),)
    )
    assert (summary.categories_created, summary.foods_created) == (1, 1)
    categories, foods = await _menu(sqlite_database, restaurant)
    smash = next(f for f in foods if f.name == "Smash Burger")
    live = next(c for c in categories if c.id == smash.category_id)
    assert (live.name, live.is_active) == ("Burgers", True)
    menu = await menus.menu_json(restaurant.id)
    assert b"Smash Burger" in menu
