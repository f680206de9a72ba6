"""Building a new order from a placement request: the orderability checks and the order with
its items' snapshots (names, prices, stations, tax). Used by :class:`OrderService`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.courses import course_of
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Category, Food, Restaurant, is_orderable, station_for
from restman_core.domain.money import MAX_AMOUNT, tax_for
from restman_core.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    StatusChange,
    line_subtotal,
    order_total,
)
from restman_core.errors import InvalidInput
from restman_core.services.order_requests import OrderLine, OrderRequest


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


def build_items(
    at: datetime,
    order_id: uuid.UUID,
    lines: Sequence[OrderLine],
    foods: Mapping[uuid.UUID, Food],
    categories: Mapping[uuid.UUID, Category],
    batch: int = 0,
) -> tuple[OrderItem, ...]:
    """The order items of ``lines``, snapshotting each food's name, description, price,
    station and course as they are now."""

    def course(food: Food) -> int:
        category = categories.get(food.category_id)
        return course_of(food.course, category.course if category else None)

    return tuple(
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
            created_at=at,
            batch=batch,
            course=course(foods[line.food_id]),
            prep_time_seconds=foods[line.food_id].prep_time_seconds,
        )
        for line in lines
    )


def check_total(total: Decimal, restaurant: Restaurant) -> None:
    """The bill adds tax (and later a tip) to the order total: refuse here what the bill cannot
    hold, instead of failing in the consumer that opens it."""
    if total + tax_for(total, restaurant.tax_rate) > MAX_AMOUNT:
        raise InvalidInput("The order total is too large", details={"field": "items"})


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
    items = build_items(now, order_id, request.lines, foods, categories)
    total = order_total(items)
    check_total(total, restaurant)
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
