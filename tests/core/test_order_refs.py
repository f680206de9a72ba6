"""Orders named by short number (``B408E2``): parsing, and resolution on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.domain.order_refs import parse_order_ref
from restman_core.errors import InvalidInput, NotFound
from tests.core.builders import Core, Kitchen, add_user, order_body


def test_a_prefix_names_the_range_of_ids_it_starts() -> None:
    ref = parse_order_ref(" b4-08E2 ")
    assert ref.exact is None
    assert ref.low == uuid.UUID("b408e200-0000-0000-0000-000000000000")
    assert ref.high == uuid.UUID("b408e2ff-ffff-ffff-ffff-ffffffffffff")
    full = uuid.uuid4()
    assert parse_order_ref(str(full)).exact == full
    for bad in ("", "B40", "XYZ123", "b408e2!", "1" * 33):
        with pytest.raises(InvalidInput):
            parse_order_ref(bad)


async def test_an_order_is_found_by_its_number_by_those_who_may_see_it(
    core: Core, kitchen: Kitchen, customer: Actor, admin: Actor
) -> None:
    order = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    assert await core.orders.resolve_order_ref(customer, order.number) == order.id
    assert await core.orders.resolve_order_ref(admin, order.id.hex[:12].upper()) == order.id
    assert await core.orders.resolve_order_ref(kitchen.owner, order.number.lower()) == order.id
    stranger = await add_user(core.db, Role.CUSTOMER, "stranger")
    with pytest.raises(NotFound):
        await core.orders.resolve_order_ref(stranger, order.id.hex[:12])
