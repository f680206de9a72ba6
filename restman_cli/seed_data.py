"""The demo data set of ``restman seed demo``: three restaurants, their menus and people.

Every id is a version-5 UUID derived from a stable name (:func:`seed_id`), so seeding again finds
what the last run wrote instead of adding it twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://restman.dev/seed/demo")
DOMAIN = "demo.restman.dev"


def seed_id(*parts: object) -> uuid.UUID:
    """The stable id of a demo object named by ``parts`` (e.g. ``("order", 17)``)."""
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


@dataclass(frozen=True, slots=True)
class DemoFood:
    name: str
    price: Decimal
    prep_seconds: int
    description: str | None = None
    station: str | None = None
    stock: int | None = None


@dataclass(frozen=True, slots=True)
class DemoCategory:
    name: str
    station: str | None
    foods: tuple[DemoFood, ...]


@dataclass(frozen=True, slots=True)
class DemoRestaurant:
    key: str
    name: str
    description: str
    address: str
    phone: str
    tax_rate: Decimal
    weight: int
    kitchen_staff: tuple[str, ...]
    categories: tuple[DemoCategory, ...]


def _f(
    name: str, price: str, prep: int, description: str | None = None, **extra: object
) -> DemoFood:
    return DemoFood(name, Decimal(price), prep, description, **extra)  # type: ignore[arg-type]


OWNER_EMAIL = f"owner@{DOMAIN}"
CUSTOMERS = tuple(
    f"{name}@{DOMAIN}"
    for name in (
        "ana.silva",
        "ben.okafor",
        "chloe.martin",
        "dev.patel",
        "elena.rossi",
        "farid.haddad",
        "grace.lee",
        "hugo.weber",
        "ines.garcia",
        "jonas.berg",
        "kemi.adeyemi",
        "liam.murphy",
        "maya.cohen",
        "noah.schmidt",
        "olivia.brown",
        "pavel.novak",
        "quinn.taylor",
        "rosa.fernandez",
        "sam.nguyen",
        "tara.singh",
    )
)

RESTAURANTS = (
    DemoRestaurant(
        key="harbour-grill",
        name="Harbour Grill",
        description="Burgers, fries and shakes by the water.",
        address="12 Quay Street",
        phone="+44 20 7946 0101",
        tax_rate=Decimal("0.10"),
        weight=5,
        kitchen_staff=(f"grill.cook@{DOMAIN}", f"harbour.bar@{DOMAIN}"),
        categories=(
            DemoCategory(
                "Burgers",
                "grill",
                (
                    _f("Classic Burger", "11.50", 540, "Beef patty, cheddar, pickles"),
                    _f("Smoky BBQ Burger", "13.00", 600, "Bacon, onion rings, BBQ sauce"),
                    _f("Halloumi Burger", "12.00", 480, "Grilled halloumi, roast pepper"),
                    _f("Chicken Sandwich", "10.50", 500, "Buttermilk chicken, slaw"),
                ),
            ),
            DemoCategory(
                "Sides",
                "fry",
                (
                    _f("Fries", "3.90", 240),
                    _f("Sweet Potato Fries", "4.50", 260),
                    _f("Onion Rings", "4.20", 280),
                    _f("Fried Calamari", "7.80", 320, stock=40),
                ),
            ),
            DemoCategory(
                "Drinks",
                "bar",
                (
                    _f("Vanilla Shake", "5.50", 150),
                    _f("Lemonade", "3.20", 60),
                    _f("Pale Ale", "5.80", 45),
                    _f("Cola", "2.80", 30),
                ),
            ),
        ),
    ),
    DemoRestaurant(
        key="trattoria-lumen",
        name="Trattoria Lumen",
        description="Fresh pasta, wood-fired mains and a proper espresso.",
        address="48 Vine Lane",
        phone="+44 20 7946 0202",
        tax_rate=Decimal("0.08"),
        weight=3,
        kitchen_staff=(f"lumen.kitchen@{DOMAIN}",),
        categories=(
            DemoCategory(
                "Antipasti",
                "fry",
                (
                    _f("Arancini", "6.50", 300, "Saffron rice, mozzarella"),
                    _f("Fritto Misto", "9.00", 360),
                ),
            ),
            DemoCategory(
                "Pasta",
                None,
                (
                    _f("Tagliatelle al Ragù", "14.00", 600),
                    _f("Cacio e Pepe", "12.50", 480),
                    _f("Pumpkin Ravioli", "13.50", 540),
                ),
            ),
            DemoCategory(
                "Secondi",
                "grill",
                (
                    _f("Grilled Sea Bass", "19.50", 720),
                    _f("Chicken Diavola", "16.00", 660),
                ),
            ),
            DemoCategory(
                "Bar",
                "bar",
                (
                    _f("Espresso", "2.40", 40),
                    _f("Negroni", "8.50", 90),
                    _f("House Red (glass)", "6.00", 30),
                ),
            ),
        ),
    ),
    DemoRestaurant(
        key="saffron-street",
        name="Saffron Street",
        description="Tandoor grills, street snacks and slow curries.",
        address="7 Spice Market",
        phone="+44 20 7946 0303",
        tax_rate=Decimal("0.05"),
        weight=4,
        kitchen_staff=(f"saffron.tandoor@{DOMAIN}", f"saffron.bar@{DOMAIN}"),
        categories=(
            DemoCategory(
                "Tandoor",
                "grill",
                (
                    _f("Chicken Tikka", "12.00", 660),
                    _f("Paneer Tikka", "11.00", 600),
                    _f("Garlic Naan", "3.50", 240),
                ),
            ),
            DemoCategory(
                "Street Snacks",
                "fry",
                (
                    _f("Samosa (2)", "4.50", 300),
                    _f("Onion Bhaji", "4.80", 280),
                    _f("Pani Puri", "5.50", 200, station="bar"),
                ),
            ),
            DemoCategory(
                "Curries",
                None,
                (
                    _f("Butter Chicken", "13.50", 480),
                    _f("Chana Masala", "10.50", 420),
                    _f("Lamb Rogan Josh", "15.00", 540, stock=25),
                ),
            ),
            DemoCategory(
                "Drinks",
                "bar",
                (
                    _f("Mango Lassi", "4.20", 90),
                    _f("Masala Chai", "2.90", 120),
                ),
            ),
        ),
    ),
)
