"""Orders: placing (stock, idempotency, outbox in one transaction), reading, status changes,
and following kitchen progress."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock, format_timestamp
from restman_core.domain.events import (
    ORDER_CANCELLED,
    ORDER_PLACED,
    ORDER_STATUS_UPDATED,
    DomainEvent,
)
from restman_core.domain.menus import Restaurant
from restman_core.domain.order_refs import parse_order_ref
from restman_core.domain.orders import (
    TERMINAL_ORDER_STATUSES,
    Order,
    OrderStatus,
    StatusChange,
    can_transition,
    check_transition,
)
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Database, IdempotencyRecord, Page, Transaction
from restman_core.services.access import may_operate, operated_restaurants, scoped
from restman_core.services.bill_changes import clean_reason, refund_in
from restman_core.services.menu_common import menu_cache_key
from restman_core.services.menus import MenuCache
from restman_core.services.order_building import (
    as_first_placed,
    check_open,
    check_orderable,
    new_order,
    placed_payload,
    serves_at,
)
from restman_core.services.order_changes import OrderChanges
from restman_core.services.order_modifiers import (
    choose_for_lines,
    give_stock_back,
    take_option_stock,
)
from restman_core.services.order_requests import (
    OrderRequest,
    check_idempotency_key,
    parse_order_request,
)
from restman_core.services.pacing import check_pickup, pace_order, release_pacing
from restman_core.services.placement_gates import GateNeeded, PlacementGates
from restman_core.services.quoting import quote_for, read_backlog
from restman_core.services.ticket_changes import close_open_tickets

log = logging.getLogger(__name__)
PLACE_SCOPE = "orders.place"
_CHAIN = (
    OrderStatus.PLACED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.READY,
    OrderStatus.COMPLETED,
)


@dataclass(frozen=True, slots=True)
class Placed:
    """The result of placing: the order, and whether it is a replay of an earlier request."""

    order: Order
    replayed: bool


class OrderService:
    def __init__(self, db: Database, clock: Clock, *, menu_cache: MenuCache | None = None) -> None:
        self._db = db
        self._clock = clock
        self._menu_cache = menu_cache
        self._gates = PlacementGates()
        # Changes after placement (items added, items voided) live in their own use case.
        self.changes = OrderChanges(db, clock, menu_cache=menu_cache)

    async def place_order(
        self, actor: Actor, fields: Mapping[str, Any], idempotency_key: str | None = None
    ) -> Placed:
        """Place an order in one transaction: check the restaurant and foods, take stock, write
        the order, its items, its history, the ``order.placed`` outbox row and the idempotency
        record. The number of statements does not grow with the number of items. The order is
        quoted a ready time from its prep times and the work queued at its stations, or, when
        scheduled (``pickup_at``), its pickup. At a paced restaurant its prep load is counted
        in its slot or the order refused (see :func:`restman_core.services.pacing.pace_order`)."""
        request = parse_order_request(fields)
        key = check_idempotency_key(idempotency_key)
        fingerprint = request.fingerprint()
        backlog = await read_backlog(self._db, request.restaurant_id, self._clock.now())

        async def work(tx: Transaction) -> tuple[Placed, bool]:
            if key is not None:
                record = await tx.idempotency.get(actor.user_id, PLACE_SCOPE, key)
                if record is not None:
                    return await self._replay(tx, record, fingerprint), False
            order, restaurant, took_stock = await self._build(tx, actor, request, gated)
            if order.pickup_at is None:
                quote = quote_for(order, backlog, order.created_at)
            else:
                # A scheduled order is cooked to be ready at its pickup.
                quote = order.pickup_at
            order = replace(order, quoted_ready_at=quote)
            await tx.orders.add(order)
            if took_stock:
                # Tracked stock is on the public menu: other processes' caches must notice.
                await tx.restaurants.menu_changed(request.restaurant_id)
            await tx.outbox.add(
                [self._event(ORDER_PLACED, order, placed_payload(order, restaurant))]
            )
            if key is not None:
                await tx.idempotency.add(
                    IdempotencyRecord(
                        actor.user_id, PLACE_SCOPE, key, fingerprint, order.id, order.created_at
                    )
                )
            return Placed(order, replayed=False), took_stock

        gated = self._gates.needs_turn(request.restaurant_id)
        while True:
            try:
                async with self._gates.turn(request.restaurant_id, gated):
                    turn = request.restaurant_id if gated else None
                    placed, took_stock = await self._db.run(work, turn=turn)
                break
            except GateNeeded:
                gated = True  # it writes a hot row: wait for the restaurant's turn, then place
        if took_stock and self._menu_cache is not None:
            # Tracked stock changed, so the cached menu may now list a sold-out food.
            await self._menu_cache.delete(menu_cache_key(request.restaurant_id))
        return placed

    async def _replay(self, tx: Transaction, record: IdempotencyRecord, fingerprint: str) -> Placed:
        if record.fingerprint != fingerprint:
            raise Conflict("Idempotency-Key was already used with a different request")
        order = await tx.orders.get(record.resource_id)
        if order is None:
            raise Conflict("Idempotency-Key refers to an order that no longer exists")
        return Placed(as_first_placed(order), replayed=True)

    async def _build(
        self, tx: Transaction, actor: Actor, request: OrderRequest, gated: bool
    ) -> tuple[Order, Restaurant, bool]:
        restaurant = await tx.restaurants.get(request.restaurant_id)
        if restaurant is None or not restaurant.is_active:
            raise NotFound("Restaurant not found")
        wanted = frozenset(line.food_id for line in request.lines)
        foods = {f.id: f for f in await tx.foods.get_many(wanted)}
        categories = {c.id: c for c in await tx.categories.list_for(restaurant.id)}
        check_orderable(restaurant, categories, foods, wanted)
        now = self._clock.now()
        check_pickup(request.pickup_at, now)
        check_open(restaurant, categories, foods, wanted, request.pickup_at or now)
        chosen = await choose_for_lines(tx, request.lines, foods)
        takes = Counter[uuid.UUID]()
        for line in request.lines:
            takes[line.food_id] += line.quantity
        tracked = {fid: q for fid, q in takes.items() if foods[fid].stock_remaining is not None}
        hot = restaurant.pacing is not None or bool(tracked)  # before any write
        self._gates.learn(restaurant.id, hot=hot, gated=gated)
        short = await tx.foods.take_stock(tracked)
        if short:
            names = ", ".join(sorted(foods[f].name for f in short))
            raise Conflict(
                f"Not enough stock for: {names}", details={"food_ids": sorted(map(str, short))}
            )
        took_options = await take_option_stock(tx, request.lines, chosen)
        if took_options:  # known once taken; the unit rolls back on GateNeeded
            self._gates.learn(restaurant.id, hot=True, gated=gated)
        order = new_order(self._clock, actor, restaurant, request, foods, categories, chosen)
        order = await pace_order(
            tx,
            order,
            restaurant,
            pickup_at=request.pickup_at,
            accept_later=request.accept_later,
            now=now,
            open_at=serves_at(restaurant, categories, foods, wanted),
        )
        return order, restaurant, bool(tracked) or took_options

    def _event(self, kind: str, order: Order, payload: dict[str, Any]) -> DomainEvent:
        return DomainEvent(
            event_type=kind, key=order.id, occurred_at=self._clock.now(), payload=payload
        )

    async def get_order(self, actor: Actor, order_id: uuid.UUID) -> Order:
        """The order with items and history, for its customer, the restaurant's owner and
        staff, and admins; NotFound for anyone else."""
        return await self._db.run(lambda tx: self._visible_order(tx, actor, order_id))

    async def resolve_order_ref(self, actor: Actor, ref: str) -> uuid.UUID:
        """The id of the one order ``ref`` names, a full id or a short number (``B408E2``) the
        actor may see. None visible: NotFound; several: InvalidInput naming them."""
        parsed = parse_order_ref(ref)
        if parsed.exact is not None:
            return parsed.exact

        async def work(tx: Transaction) -> list[Order]:
            found = []
            for order_id in await tx.orders.ids_between(parsed.low, parsed.high, limit=10):
                try:
                    found.append(await self._visible_order(tx, actor, order_id))
                except NotFound:
                    continue
            return found

        matches = await self._db.run(work)
        if not matches:
            raise NotFound(f"No order numbered {parsed.text}")
        if len(matches) > 1:
            ids = ", ".join(str(o.id) for o in matches[:5])
            raise InvalidInput(
                f"order number {parsed.text} is ambiguous: it matches {ids}"
                + (" and more" if len(matches) > 5 else "")
                + "; give more digits or the full id",
                details={"field": "order"},
            )
        return matches[0].id

    async def _visible_order(self, tx: Transaction, actor: Actor, order_id: uuid.UUID) -> Order:
        order = await tx.orders.get(order_id)
        if order is None:
            raise NotFound("Order not found")
        if order.user_id == actor.user_id or await may_operate(tx, actor, order.restaurant_id):
            return order
        raise NotFound("Order not found")

    async def list_orders(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        status: OrderStatus | None = None,
        page: Page = Page(),
        since: Any = None,
    ) -> Sequence[Order]:
        """Without ``restaurant_id``: the caller's own orders. With it: that restaurant's orders
        for its owner, staff and admins (an empty list for a restaurant that is not theirs)."""

        async def work(tx: Transaction) -> Sequence[Order]:
            if restaurant_id is None:
                return await tx.orders.list_for_user(actor.user_id, status, page)
            allowed = await operated_restaurants(tx, actor)
            return await tx.orders.list_for_restaurants(
                scoped(allowed, restaurant_id), status, page, since
            )

        return await self._db.run(work)

    async def list_all_orders(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None,
        status: OrderStatus | None,
        page: Page,
        since: Any = None,
    ) -> Sequence[Order]:
        """Every order the actor operates (all for admins), for operator tools."""

        async def work(tx: Transaction) -> Sequence[Order]:
            allowed = await operated_restaurants(tx, actor)
            return await tx.orders.list_for_restaurants(
                scoped(allowed, restaurant_id), status, page, since
            )

        return await self._db.run(work)

    async def change_status(
        self,
        actor: Actor,
        order_id: uuid.UUID,
        target: OrderStatus,
        refund_reason: object = None,
    ) -> Order:
        """Move an order (owner, staff, admin: any legal move; its customer: only cancel a
        PLACED order). Illegal moves are Conflict; the move is compare-and-set, so two racing
        changes cannot both apply. Moving to COMPLETED delivers the order's open tickets and
        CANCELLED cancels them, in the same transaction; a cancel before the kitchen started
        gives the tracked stock back, and any cancel gives its prep load back to its pacing
        slot.

        Cancelling an order whose bill took money is a Conflict unless ``refund_reason`` is
        given: then everything paid and not yet refunded goes back in the same unit of work
        (owners and admins only, as every refund), and the bill ends REFUNDED."""

        async def work(tx: Transaction) -> Order:
            order = await self._visible_order(tx, actor, order_id)
            operator = await may_operate(tx, actor, order.restaurant_id)
            if not operator and not (
                target is OrderStatus.CANCELLED and order.status is OrderStatus.PLACED
            ):
                if actor.role is Role.CUSTOMER and target is OrderStatus.CANCELLED:
                    raise Conflict("Only a PLACED order can be cancelled by its customer")
                raise Forbidden("Only the restaurant can change this order's status")
            check_transition(order.status, target)
            if target is OrderStatus.CANCELLED:
                returned.append(await give_stock_back(tx, order))
                await release_pacing(tx, order)
                await self._refund_on_cancel(tx, actor, order_id, refund_reason)
            elif refund_reason is not None:
                raise InvalidInput(
                    "refund goes only with a cancellation", details={"field": "refund"}
                )
            return await self._apply(tx, order, target, actor.user_id, None)

        returned: list[bool] = []
        result = await self._db.run(work)
        if any(returned) and self._menu_cache is not None:
            # Stock came back, so the cached menu may list a food again.
            await self._menu_cache.delete(menu_cache_key(result.restaurant_id))
        return result

    async def _refund_on_cancel(
        self, tx: Transaction, actor: Actor, order_id: uuid.UUID, reason: object
    ) -> None:
        book = await tx.bills.get_book(order_id)
        if book is None or book.net_paid <= 0:
            return
        if reason is None:
            raise Conflict(
                f"The order's bill was paid ({book.net_paid:f}); cancel it with a full refund: "
                '{"status": "CANCELLED", "refund": {"reason": "..."}}',
                details={"field": "refund", "refundable": f"{book.net_paid:f}"},
            )
        await refund_in(
            tx,
            actor,
            book,
            amount=book.net_paid,
            item_ids=(),
            reason=clean_reason(reason),
            at=self._clock.now(),
        )

    async def _apply(
        self,
        tx: Transaction,
        order: Order,
        target: OrderStatus,
        actor_id: uuid.UUID | None,
        note: str | None,
    ) -> Order:
        now = self._clock.now()
        change = StatusChange(status=target, changed_at=now, actor_id=actor_id, note=note)
        if not await tx.orders.change_status(order.id, order.status, change):
            raise Conflict("The order changed meanwhile; reload it")
        payload = {
            "order_id": str(order.id),
            "restaurant_id": str(order.restaurant_id),
            "user_id": str(order.user_id),
            "old_status": str(order.status),
            "new_status": str(target),
            "updated_at": format_timestamp(now),
        }
        events = [self._event(ORDER_STATUS_UPDATED, order, payload)]
        if target is OrderStatus.CANCELLED:
            events.append(self._event(ORDER_CANCELLED, order, payload))
        await tx.outbox.add(events)
        # In the same transaction: no reader ever sees the order closed with a ticket open.
        await close_open_tickets(tx, order.id, target, now)
        return replace(order, status=target, updated_at=now, history=(*order.history, change))

    async def follow_kitchen(
        self, tx: Transaction, order_id: uuid.UUID, target: OrderStatus
    ) -> None:
        """Move an order forward to what kitchen progress implies, one legal step at a time.
        An order that is already there, further along, completed or cancelled is left alone
        (logged, not an error): kitchen events may arrive after a manual change."""
        order = await tx.orders.get(order_id)
        if order is None or order.status in TERMINAL_ORDER_STATUSES:
            # Debug, not info: under load every late ticket event of a finished order lands
            # here, and it is expected, not news.
            log.debug(
                "kitchen progress for order %s ignored (order %s)",
                order_id,
                order.status if order else "missing",
            )
            return
        start, goal = _CHAIN.index(order.status), _CHAIN.index(target)
        for step in _CHAIN[start + 1 : goal + 1]:
            if not can_transition(order.status, step):
                break
            order = await self._apply(tx, order, step, None, "kitchen progress")
