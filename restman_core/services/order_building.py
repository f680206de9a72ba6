"""Building a new order from a placement request: the orderability checks and the order with
its items' snapshots (names, prices, stations, tax). Used by :class:`OrderService`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Category, Food, Restaurant, is_orderable, station_for
from restman_core.domain.money import MAX_AMOUNT, tax_for
from restman_core.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    StatusChange,
    line_subtotal,
)
from restman_core.errors import InvalidInput
from restman_core.services.order_requests import (
    OrderRequest,
)


def as_first_placed(order: Order) -> Order:
    """The order as placing it first answered: PLACED, with only its first status change.

    A replay answers what the first request answered, even after the kitchen or the restaurant
    moved the order on (items and totals are snapshots and never change)."""
    return replace(
        order, status=OrderStatus.PLACED, updated_at=order.created_at, history=order.history[:1]
    )


def check_orderable(
    restaurant: Restaurant,
    categories: Mapping[uuid.UUID, Category],
    foods: Mapping[uuid.UUID, Food],
    wanted: frozenset[uuid.UUID],
) -> None:
    missing = sorted(
        str(f) for f in wanted if f not in foods or foods[f].restaurant_id != restaurant.id
    )
    if missing:
        raise InvalidInput(
            f"Unknown food items for this restaurant: {', '.join(missing)}",
            details={"food_ids": missing},
        )
    # Stock is left to take_stock: running out is a Conflict whether the last unit went before
    # this request or to a concurrent one (a retried loser would otherwise see "not available").
    closed = sorted(
        foods[f].name
        for f in wanted
        if not is_orderable(
            restaurant,
            categories.get(foods[f].category_id),
            replace(foods[f], stock_remaining=None),
        )
    )
    if closed:
        raise InvalidInput(
            f"Some food items are not available: {', '.join(closed)}", details={"foods": closed}
        )


def new_order(
    clock: Clock,
    actor: Actor,
    restaurant: Restaurant,
    request: OrderRequest,
    foods: Mapping[uuid.UUID, Food],
    categories: Mapping[uuid.UUID, Category],
) -> Order:
    now = clock.now()
    order_id = new_id()
    items = tuple(
        OrderItem(
            id=new_id(),
            order_id=order_id,
            food_id=line.food_id,
            food_name=foods[line.food_id].name,
            food_description=foods[line.food_id].description,
            quantity=line.quantity,
            unit_price=foods[line.food_id].price,
            subtotal=line_subtotal(foods[line.food_id].price, line.quantity),
            notes=line.notes,
            station=station_for(
                foods[line.food_id], categories.get(foods[line.food_id].category_id)
            ),
            created_at=now,
            tax_rate=(
                restaurant.tax_rate
                if foods[line.food_id].tax_rate is None
                else foods[line.food_id].tax_rate
            ),
        )
        for line in request.lines
    )
    total = sum((i.subtotal for i in items), Decimal("0.00"))
    # The bill adds tax (and later a tip) to this total: refuse here what the bill cannot hold,
    # instead of failing in the consumer that opens it.
    highest = max((i.tax_rate or restaurant.tax_rate for i in items), default=restaurant.tax_rate)
    charge = restaurant.service_charge_rate or Decimal("0")
    if total + tax_for(total, highest) + tax_for(total, charge) > MAX_AMOUNT:
        raise InvalidInput("The order total is too large", details={"field": "items"})
    return Order(
        id=order_id,
        user_id=actor.user_id,
        restaurant_id=request.restaurant_id,
        status=OrderStatus.PLACED,
        order_type=request.order_type,
        table=request.table,
        total_amount=total,
        delivery_address=request.delivery_address,
        special_instructions=request.special_instructions,
        created_at=now,
        updated_at=now,
        items=items,
        history=(StatusChange(OrderStatus.PLACED, now, actor.user_id),),
    )
