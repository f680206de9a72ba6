"""Changes to an order after it was placed: items added to an open dine-in order, and items
voided before they are ready.

Each change is one unit of work that writes the order (compare-and-set on its status and update
time, so it cannot race a status change or another change) and an outbox event:

- ``order.items_added`` carries the new items and the addition's ``batch`` number; the kitchen
  consumer opens one ticket per station for them, marked as an addition. The batch number is
  part of each ticket's unique key, so a redelivered event never opens a second set.
- ``order.item_voided`` records the void. The ticket line is voided in the same transaction (the
  board shows VOID at once); an item whose ticket is not open yet arrives voided when it opens.

Both events carry the order's new ``total_amount`` (the subtotals of its items not voided).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock, format_timestamp
from restman_core.domain.events import ORDER_ITEM_VOIDED, ORDER_ITEMS_ADDED, DomainEvent
from restman_core.domain.kitchen import voided_item
from restman_core.domain.menus import Restaurant
from restman_core.domain.money import format_money
from restman_core.domain.orders import (
    TERMINAL_ORDER_STATUSES,
    Order,
    OrderItem,
    OrderType,
    order_total,
)
from restman_core.errors import Conflict, Forbidden, NotFound
from restman_core.ports.storage import Database, IdempotencyRecord, Transaction
from restman_core.services.access import may_operate
from restman_core.services.menu_common import menu_cache_key
from restman_core.services.menus import MenuCache
from restman_core.services.order_building import (
    build_items,
    check_open,
    check_orderable,
    check_total,
)
from restman_core.services.order_modifiers import choose_for_lines, take_option_stock
from restman_core.services.order_requests import (
    OrderLine,
    check_idempotency_key,
    lines_fingerprint,
    parse_lines,
)
from restman_core.services.ticket_changes import save_ticket
from restman_core.views import order_item_view

ADD_SCOPE = "orders.add_items"


@dataclass(frozen=True, slots=True)
class Changed:
    """The order after a change, and whether the answer replays an earlier request."""

    order: Order
    replayed: bool = False


def _payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": str(order.id),
        "order_number": order.number,
        "restaurant_id": str(order.restaurant_id),
        "user_id": str(order.user_id),
        "order_type": str(order.order_type),
        "table": order.table,
        "special_instructions": order.special_instructions,
        "total_amount": format_money(order.total_amount),
        "placed_at": format_timestamp(order.created_at),
        **extra,
    }


class OrderChanges:
    """Add items to, and void items of, an open order (owner, staff, admin)."""

    def __init__(self, db: Database, clock: Clock, *, menu_cache: MenuCache | None = None) -> None:
        self._db = db
        self._clock = clock
        self._menu_cache = menu_cache

    async def _operated_open_order(
        self, tx: Transaction, actor: Actor, order_id: uuid.UUID
    ) -> Order:
        """The order, if the actor operates its restaurant and it is still open. Its customer
        is Forbidden; anyone else NotFound; a completed or cancelled order is a Conflict."""
        order = await tx.orders.get(order_id)
        if order is None:
            raise NotFound("Order not found")
        if not await may_operate(tx, actor, order.restaurant_id):
            if order.user_id == actor.user_id:
                raise Forbidden("Only the restaurant can change this order's items")
            raise NotFound("Order not found")
        if order.status in TERMINAL_ORDER_STATUSES:
            raise Conflict(
                f"The order is {order.status}; its items can no longer change",
                details={"status": str(order.status)},
            )
        return order

    async def add_items(
        self,
        actor: Actor,
        order_id: uuid.UUID,
        fields: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> Changed:
        """Add ``fields["items"]`` (lines as when placing) to an open dine-in order: stock is
        taken, the total grows, and the kitchen gets new tickets marked as an addition. With an
        ``idempotency_key`` a retry with the same lines answers the order without adding again.
        Another order type, or a closed order, is a Conflict; nothing is written then."""
        lines = parse_lines(fields.get("items"))
        key = check_idempotency_key(idempotency_key)
        fingerprint = lines_fingerprint(f"{ADD_SCOPE}:{order_id}", lines)

        async def work(tx: Transaction) -> tuple[Changed, bool]:
            if key is not None:
                record = await tx.idempotency.get(actor.user_id, ADD_SCOPE, key)
                if record is not None:
                    if record.fingerprint != fingerprint:
                        raise Conflict("Idempotency-Key was already used with a different request")
                    order = await self._operated_open_order(tx, actor, order_id)
                    return Changed(order, replayed=True), False
            order = await self._operated_open_order(tx, actor, order_id)
            if order.order_type is not OrderType.DINE_IN:
                raise Conflict(
                    "Items can be added only to a dine_in order",
                    details={"order_type": str(order.order_type)},
                )
            restaurant = await tx.restaurants.get(order.restaurant_id)
            if restaurant is None:
                raise NotFound("Restaurant not found")
            added = await self._new_items(tx, restaurant, order, lines)
            after = await self._write(tx, order, (*order.items, *added))
            batch = added[0].batch
            items = [order_item_view(i) for i in added]
            await tx.outbox.add(
                [
                    self._event(
                        ORDER_ITEMS_ADDED,
                        after,
                        _payload(
                            after,
                            batch=batch,
                            items=items,
                            added_at=format_timestamp(after.updated_at),
                        ),
                    )
                ]
            )
            if key is not None:
                await tx.idempotency.add(
                    IdempotencyRecord(
                        actor.user_id, ADD_SCOPE, key, fingerprint, order.id, after.updated_at
                    )
                )
            return Changed(after), True

        changed, took = await self._db.run(work)
        if took and self._menu_cache is not None:
            await self._menu_cache.delete(menu_cache_key(changed.order.restaurant_id))
        return changed

    async def _new_items(
        self, tx: Transaction, restaurant: Restaurant, order: Order, lines: tuple[OrderLine, ...]
    ) -> tuple[OrderItem, ...]:
        wanted = frozenset(line.food_id for line in lines)
        foods = {f.id: f for f in await tx.foods.get_many(wanted)}
        categories = {c.id: c for c in await tx.categories.list_for(restaurant.id)}
        check_orderable(restaurant, categories, foods, wanted)
        check_open(restaurant, categories, foods, wanted, self._clock.now())
        chosen = await choose_for_lines(tx, lines, foods)
        takes = Counter[uuid.UUID]()
        for line in lines:
            takes[line.food_id] += line.quantity
        tracked = {fid: q for fid, q in takes.items() if foods[fid].stock_remaining is not None}
        short = await tx.foods.take_stock(tracked)
        if short:
            names = ", ".join(sorted(foods[f].name for f in short))
            raise Conflict(
                f"Not enough stock for: {names}", details={"food_ids": sorted(map(str, short))}
            )
        if await take_option_stock(tx, lines, chosen) or tracked:
            await tx.restaurants.menu_changed(restaurant.id)
        batch = max((i.batch for i in order.items), default=0) + 1
        items = build_items(
            self._clock.now(), restaurant, order.id, lines, foods, categories, batch, chosen=chosen
        )
        every = (*order.items, *items)
        check_total(order_total(every), restaurant, every)
        return items

    async def _write(self, tx: Transaction, order: Order, items: tuple[OrderItem, ...]) -> Order:
        after = replace(
            order, items=items, total_amount=order_total(items), updated_at=self._clock.now()
        )
        if not await tx.orders.change_items(order, after):
            raise Conflict("The order changed meanwhile; reload it")
        return after

    async def void_item(self, actor: Actor, order_id: uuid.UUID, item_id: uuid.UUID) -> Changed:
        """Void one item of an open order before it is READY: it stays on the order and its
        ticket line shows VOID, the total no longer counts it, and a ticket left with only
        voided lines is cancelled; the bill follows through the billing consumer. An item
        already voided, done or on a READY ticket, a bill with a payment taken, or a closed
        order, is a Conflict; an unknown item NotFound. Nothing is written then."""

        async def work(tx: Transaction) -> Changed:
            order = await self._operated_open_order(tx, actor, order_id)
            item = next((i for i in order.items if i.id == item_id), None)
            if item is None:
                raise NotFound("Order item not found")
            if item.voided:
                raise Conflict("This item is already voided")
            bill = await tx.bills.get_by_order(order.id)
            if bill is not None and bill.amount_paid > 0:  # every payment is more than zero
                raise Conflict(
                    "A payment was taken on this order's bill: refund the item instead",
                    details={"bill_id": str(bill.id)},
                )
            now = self._clock.now()
            for ticket in await tx.tickets.for_order(order.id):
                if any(line.order_item_id == item_id for line in ticket.items):
                    await save_ticket(tx, ticket, voided_item(ticket, item_id, now))
            items = tuple(replace(i, voided=True) if i.id == item_id else i for i in order.items)
            after = await self._write(tx, order, items)
            payload = _payload(after, item=order_item_view(replace(item, voided=True)))
            await tx.outbox.add([self._event(ORDER_ITEM_VOIDED, after, payload)])
            return Changed(after)

        return await self._db.run(work)

    def _event(self, kind: str, order: Order, payload: dict[str, Any]) -> DomainEvent:
        return DomainEvent(
            event_type=kind, key=order.id, occurred_at=self._clock.now(), payload=payload
        )
