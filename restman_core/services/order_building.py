"""Building a new order from a placement request: the orderability checks, the order with its
items' snapshots (names, prices, stations, tax) and its ``order.placed`` event data. Used by
:class:`OrderService`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock, format_timestamp
from restman_core.domain.courses import course_of
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Category, Food, Restaurant, is_orderable, station_for
from restman_core.domain.modifiers import ChosenModifier, unit_price_with
from restman_core.domain.money import MAX_AMOUNT, format_money, tax_for
from restman_core.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    OrderType,
    StatusChange,
    line_subtotal,
    order_total,
)
from restman_core.domain.schedule import is_open, next_opening
from restman_core.errors import Conflict, InvalidInput
from restman_core.services.order_requests import OrderLine, OrderRequest
from restman_core.views import order_item_view


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


def check_open(
    restaurant: Restaurant,
    categories: Mapping[uuid.UUID, Category],
    foods: Mapping[uuid.UUID, Food],
    wanted: frozenset[uuid.UUID],
    at: datetime,
) -> None:
    """A closed restaurant, or a food of a category outside its hours, is a Conflict whose
    details say ``next_opening_at`` (null when it never opens)."""
    tz = restaurant.timezone
    if not is_open(restaurant.opening_hours, tz, at):
        opens = next_opening(restaurant.opening_hours, tz, at)
        raise Conflict(
            "The restaurant is closed now"
            + (f"; it opens at {format_timestamp(opens)}" if opens else ""),
            details={"next_opening_at": format_timestamp(opens) if opens else None},
        )
    closed = sorted(
        (foods[f].name, categories[foods[f].category_id])
        for f in wanted
        if foods[f].category_id in categories
        and not is_open(categories[foods[f].category_id].available_hours, tz, at)
    )
    if closed:
        opens_at = [
            o for _, c in closed if (o := next_opening(c.available_hours, tz, at)) is not None
        ]
        first = min(opens_at) if opens_at else None
        raise Conflict(
            f"Not served now: {', '.join(name for name, _ in closed)}",
            details={
                "foods": [name for name, _ in closed],
                "next_opening_at": format_timestamp(first) if first else None,
            },
        )


def serves_at(
    restaurant: Restaurant,
    categories: Mapping[uuid.UUID, Category],
    foods: Mapping[uuid.UUID, Food],
    wanted: frozenset[uuid.UUID],
) -> Callable[[datetime], bool]:
    """Whether, at a given moment, the restaurant is open and serves every category of the
    ``wanted`` foods (what :func:`check_open` checks, as a yes or no)."""
    tz = restaurant.timezone
    hours = [
        categories[foods[f].category_id].available_hours
        for f in wanted
        if foods[f].category_id in categories
    ]

    def open_at(at: datetime) -> bool:
        return is_open(restaurant.opening_hours, tz, at) and all(is_open(h, tz, at) for h in hours)

    return open_at


def build_items(
    at: datetime,
    restaurant: Restaurant,
    order_id: uuid.UUID,
    lines: Sequence[OrderLine],
    foods: Mapping[uuid.UUID, Food],
    categories: Mapping[uuid.UUID, Category],
    batch: int = 0,
    chosen: tuple[tuple[ChosenModifier, ...], ...] = (),
) -> tuple[OrderItem, ...]:
    """The order items of ``lines``, snapshotting each food's name, description, price,
    station, course and tax rate (the food's, else the restaurant's) as they are now.
    ``chosen`` holds each line's checked modifiers (empty for lines without), and a line's
    unit price is its food's price plus their deltas."""

    def course(food: Food) -> int:
        category = categories.get(food.category_id)
        return course_of(food.course, category.course if category else None)

    picks = chosen or tuple(() for _ in lines)
    return tuple(
        OrderItem(
            id=new_id(),
            order_id=order_id,
            food_id=line.food_id,
            food_name=foods[line.food_id].name,
            food_description=foods[line.food_id].description,
            quantity=line.quantity,
            unit_price=unit_price_with(foods[line.food_id].price, mods),
            subtotal=line_subtotal(unit_price_with(foods[line.food_id].price, mods), line.quantity),
            notes=line.notes,
            station=station_for(
                foods[line.food_id], categories.get(foods[line.food_id].category_id)
            ),
            created_at=at,
            batch=batch,
            course=course(foods[line.food_id]),
            prep_time_seconds=foods[line.food_id].prep_time_seconds,
            modifiers=mods,
            allergy_note=line.allergy_note,
            tax_rate=(
                restaurant.tax_rate
                if foods[line.food_id].tax_rate is None
                else foods[line.food_id].tax_rate
            ),
        )
        for line, mods in zip(lines, picks, strict=True)
    )


def check_total(total: Decimal, restaurant: Restaurant, items: Sequence[OrderItem]) -> None:
    """The bill adds tax, a service charge (and later a tip) to the order total: refuse here
    what the bill cannot hold, instead of failing in the consumer that opens it. The highest
    of the items' rates bounds their tax."""
    highest = max((i.tax_rate or restaurant.tax_rate for i in items), default=restaurant.tax_rate)
    charge = restaurant.service_charge_rate or Decimal("0")
    if total + tax_for(total, highest) + tax_for(total, charge) > MAX_AMOUNT:
        raise InvalidInput("The order total is too large", details={"field": "items"})


def new_order(
    clock: Clock,
    actor: Actor,
    restaurant: Restaurant,
    request: OrderRequest,
    foods: Mapping[uuid.UUID, Food],
    categories: Mapping[uuid.UUID, Category],
    chosen: tuple[tuple[ChosenModifier, ...], ...] = (),
) -> Order:
    """The order with its items' snapshots (see :func:`build_items` for ``chosen``)."""
    now = clock.now()
    order_id = new_id()
    items = build_items(now, restaurant, order_id, request.lines, foods, categories, chosen=chosen)
    total = order_total(items)
    check_total(total, restaurant, items)
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


def placed_payload(order: Order, restaurant: Restaurant) -> dict[str, Any]:
    """The ``order.placed`` event data: the original's fields plus type, table, tax rate and the
    restaurant's name (so consumers need nothing else to open tickets, bills and mail), and
    ``pickup_at`` for a scheduled order only (the kitchen fires its tickets for it)."""
    return {
        "order_id": str(order.id),
        "order_number": order.number,
        "user_id": str(order.user_id),
        "restaurant_id": str(order.restaurant_id),
        "restaurant_name": restaurant.name,
        "tax_rate": f"{restaurant.tax_rate:f}",
        "total_amount": format_money(order.total_amount),
        "order_type": str(order.order_type),
        "table": order.table,
        "items": [order_item_view(i) for i in order.items],
        "delivery_address": order.delivery_address,
        "special_instructions": order.special_instructions,
        "placed_at": format_timestamp(order.created_at),
        **({"pickup_at": format_timestamp(order.pickup_at)} if order.pickup_at else {}),
        # The bill's snapshots: how tax is counted, and the service charge of a dine-in order.
        "prices_include_tax": restaurant.prices_include_tax,
        "service_charge_rate": (
            f"{restaurant.service_charge_rate:f}"
            if restaurant.service_charge_rate and order.order_type is OrderType.DINE_IN
            else None
        ),
    }
