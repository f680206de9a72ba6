"""Transactional storage: the unit of work and the repositories it hands out.

A use case is one call to :meth:`Database.run`: everything it reads and writes through the
:class:`Transaction` commits together, including outbox events, idempotency records and
processed-event marks. ``run`` retries the whole unit on serialization failures, so the work
function must not have side effects outside the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from restman_core.domain.bill_book import BillBook
from restman_core.domain.billing import Bill
from restman_core.domain.events import DomainEvent
from restman_core.domain.kitchen import Ticket, TicketStatus
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.modifiers import ModifierGroup
from restman_core.domain.orders import Order, OrderStatus, StatusChange
from restman_core.domain.quotes import QueuedWork
from restman_core.ports.auth import StaffRepository, UserRepository

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    """Keyset pagination: at most ``limit`` rows strictly older than ``before`` (a created_at
    timestamp, with ``before_id`` breaking ties)."""

    limit: int = 50
    before: datetime | None = None
    before_id: uuid.UUID | None = None


class RestaurantRepository(Protocol):
    async def add(self, restaurant: Restaurant) -> None: ...
    async def save(self, restaurant: Restaurant) -> None: ...
    async def get(self, restaurant_id: uuid.UUID) -> Restaurant | None: ...
    async def list_active(self, page: Page) -> Sequence[Restaurant]: ...
    async def list_owned(self, owner_id: uuid.UUID) -> Sequence[Restaurant]: ...
    async def list_ids(self, ids: frozenset[uuid.UUID]) -> Sequence[Restaurant]: ...
    async def list_all(self, page: Page) -> Sequence[Restaurant]: ...
    async def menu_changed(self, restaurant_id: uuid.UUID) -> None:
        """Bump the restaurant's menu version, in this transaction: every change to what its
        public menu shows (restaurant, categories, foods, availability, tracked stock) calls
        this, so caches in other processes notice it (see ``menu_version``)."""
        ...

    async def menu_version(self, restaurant_id: uuid.UUID) -> int | None:
        """How many times the restaurant's menu changed; None for an unknown restaurant."""
        ...


class CategoryRepository(Protocol):
    async def add(self, category: Category) -> None: ...
    async def save(self, category: Category) -> None: ...
    async def get(self, category_id: uuid.UUID) -> Category | None: ...
    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[Category]: ...


class FoodRepository(Protocol):
    async def add(self, food: Food) -> None: ...
    async def save(self, food: Food) -> None: ...
    async def get(self, food_id: uuid.UUID) -> Food | None: ...
    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[Food]: ...
    async def get_many(self, food_ids: frozenset[uuid.UUID]) -> Sequence[Food]:
        """All the named foods in one round trip (missing ids are simply absent)."""
        ...

    async def take_stock(self, takes: Mapping[uuid.UUID, int]) -> frozenset[uuid.UUID]:
        """Atomically decrement tracked stock by the given quantities; returns the foods that did
        not have enough (nothing is taken for those; the caller aborts the unit of work)."""
        ...

    async def return_stock(self, returns: Mapping[uuid.UUID, int]) -> None:
        """Add the quantities back to tracked stock (untracked foods are left alone)."""
        ...


class ModifierRepository(Protocol):
    async def add(self, group: ModifierGroup) -> None:
        """Insert the group and its options."""
        ...

    async def save(self, group: ModifierGroup) -> None:
        """Update the group and every option it holds; options new to it are inserted."""
        ...

    async def get(self, group_id: uuid.UUID) -> ModifierGroup | None:
        """The group (deleted or not) with every option, deleted ones included, in order."""
        ...

    async def get_many(self, group_ids: frozenset[uuid.UUID]) -> Sequence[ModifierGroup]: ...
    async def group_of_option(self, option_id: uuid.UUID) -> ModifierGroup | None:
        """The group holding the option (deleted ones included), else None."""
        ...

    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[ModifierGroup]:
        """The restaurant's live groups, oldest first."""
        ...

    async def take_stock(self, takes: Mapping[uuid.UUID, int]) -> frozenset[uuid.UUID]:
        """Like :meth:`FoodRepository.take_stock`, for options."""
        ...

    async def return_stock(self, returns: Mapping[uuid.UUID, int]) -> None: ...


@dataclass(frozen=True, slots=True)
class OrderState:
    """What opening an order's tickets or bill needs to know of the order as it is now: its
    status, its voided items, and whether any item was added or voided since it was placed."""

    status: OrderStatus
    voided: frozenset[uuid.UUID]
    changed: bool


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None:
        """Insert the order, its items and its first status change."""
        ...

    async def get(self, order_id: uuid.UUID) -> Order | None:
        """The order with items and status history."""
        ...

    async def states(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, OrderState]:
        """The :class:`OrderState` of each of these orders that exists, in one light read
        whatever their number (the consumers' batches)."""
        ...

    async def get_many(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, Order]:
        """Several orders with their items, WITHOUT their status history (``history`` is
        empty), in a fixed number of statements whatever their number (the consumers' batches);
        orders that do not exist are left out."""
        ...

    async def set_quote(self, order_id: uuid.UUID, quoted_ready_at: datetime) -> None:
        """Record when the kitchen now expects the order ready."""
        ...

    async def quotes(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, datetime | None]:
        """The stored quote of each of these orders that exists (one light read)."""
        ...

    async def change_items(self, before: Order, after: Order) -> bool:
        """Write the items added to ``after``, the items it voided and its total, only if the
        stored order still has ``before``'s status and ``updated_at``; False when it changed."""
        ...

    async def ids_between(self, low: uuid.UUID, high: uuid.UUID, limit: int) -> Sequence[uuid.UUID]:
        """Up to ``limit`` order ids from ``low`` to ``high`` inclusive (primary-key order)."""
        ...

    async def change_status(
        self, order_id: uuid.UUID, expected: OrderStatus, change: StatusChange
    ) -> bool:
        """Compare-and-set the status; False when it was no longer ``expected``."""
        ...

    async def list_for_user(
        self, user_id: uuid.UUID, status: OrderStatus | None, page: Page
    ) -> Sequence[Order]:
        """Orders without items, newest first."""
        ...

    async def list_for_restaurants(
        self,
        restaurant_ids: frozenset[uuid.UUID] | None,
        status: OrderStatus | None,
        page: Page,
        since: datetime | None = None,
    ) -> Sequence[Order]:
        """Orders without items, newest first; ``None`` ids means every restaurant."""
        ...


class TicketRepository(Protocol):
    async def add_many(self, tickets: Sequence[Ticket]) -> None: ...
    async def queued_work(self, restaurant_id: uuid.UUID, limit: int) -> Sequence[QueuedWork]:
        """The restaurant's tickets being cooked or queued (NEW, ACCEPTED, IN_PROGRESS, not
        held), oldest first, at most ``limit``: one light statement, no items."""
        ...

    async def stations_done(
        self, restaurant_id: uuid.UUID, limit: int, now: datetime
    ) -> Mapping[str, datetime]:
        """:func:`restman_core.domain.quotes.stations_done` over ``queued_work(restaurant_id,
        limit)``, exactly, computed where the tickets are: one row per station is read."""
        ...

    async def ready_times(
        self, restaurant_id: uuid.UUID, limit: int, now: datetime
    ) -> Mapping[uuid.UUID, datetime]:
        """:func:`restman_core.domain.quotes.queue_ready_times` over ``queued_work(restaurant_id,
        limit)``, exactly, computed where the tickets are: one row per order is read."""
        ...

    async def get(self, ticket_id: uuid.UUID) -> Ticket | None: ...
    async def for_order(self, order_id: uuid.UUID) -> Sequence[Ticket]: ...
    async def opened_orders(self, order_ids: Collection[uuid.UUID], batch: int) -> set[uuid.UUID]:
        """Those of ``order_ids`` that have a ticket of ``batch`` already (one light read)."""
        ...

    async def statuses(
        self, order_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Sequence[TicketStatus]]:
        """The status of every ticket of each of these orders (one light read, no items);
        orders without tickets are left out."""
        ...

    async def save(self, ticket: Ticket, expected_version: int) -> bool:
        """Compare-and-set on the version; False when someone else changed the ticket."""
        ...

    async def list(
        self,
        restaurant_ids: frozenset[uuid.UUID] | None,
        statuses: frozenset[TicketStatus] | None,
        station: str | None,
        page: Page,
    ) -> Sequence[Ticket]:
        """Tickets with items, oldest first (the kitchen works oldest first)."""
        ...


class SlotLedger(Protocol):
    """Prep seconds counted in each pacing slot of each restaurant (see
    :mod:`restman_core.domain.pacing`)."""

    async def loads(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> Mapping[datetime, int]:
        """The seconds counted in the restaurant's slots starting in ``start`` .. ``end``
        (exclusive), by slot start; a slot nothing was counted in is absent."""
        ...

    async def take(
        self, restaurant_id: uuid.UUID, slot_start: datetime, load: int, cap: int
    ) -> bool:
        """Count ``load`` more seconds in the slot only if its total stays within ``cap``, in
        one atomic step; False (nothing counted) when it would not fit."""
        ...

    async def give_back(self, restaurant_id: uuid.UUID, slot_start: datetime, load: int) -> None:
        """Take ``load`` seconds out of the slot again (a cancelled order's)."""
        ...


class BillRepository(Protocol):
    async def add(self, bill: Bill) -> bool:
        """Insert unless the order already has a bill; False in that case."""
        ...

    async def add_many(self, batch: Sequence[Bill]) -> set[uuid.UUID]:
        """:meth:`add` for several bills in one statement; returns the order ids whose bill was
        inserted (an order that had one already, or comes twice, is inserted at most once)."""
        ...

    async def get_by_order(self, order_id: uuid.UUID) -> Bill | None: ...
    async def save(self, bill: Bill, expected_version: int) -> bool: ...
    async def get_book(self, order_id: uuid.UUID) -> BillBook | None:
        """The order's bill with its lines (the order's items), discounts, parts, payments and
        refunds, in the order they were made."""
        ...

    async def save_book(self, book: BillBook, previous: BillBook) -> bool:
        """Write ``book`` over ``previous`` (the book it was derived from): the bill only if it
        is still at ``previous``'s version (False otherwise, nothing written), then the rows
        added to or gone from its discounts, parts, payments and refunds."""
        ...

    async def list_for_user(self, user_id: uuid.UUID, page: Page) -> Sequence[Bill]: ...
    async def list_for_restaurant(self, restaurant_id: uuid.UUID, page: Page) -> Sequence[Bill]: ...


class Outbox(Protocol):
    async def add(self, events: Sequence[DomainEvent]) -> None:
        """Record events to publish once this unit of work commits."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    user_id: uuid.UUID
    scope: str
    key: str
    fingerprint: str
    resource_id: uuid.UUID
    created_at: datetime


class IdempotencyStore(Protocol):
    async def get(self, user_id: uuid.UUID, scope: str, key: str) -> IdempotencyRecord | None: ...

    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; a concurrent insert of the same key makes the unit of work retry, and the
        retry then finds the record."""
        ...


class ProcessedEvents(Protocol):
    async def seen(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Whether ``consumer`` has already applied ``event_id``."""
        ...

    async def mark(self, consumer: str, event_id: uuid.UUID, at: datetime) -> bool:
        """Record that ``consumer`` applied ``event_id``; False when it already had (the caller
        then skips the effect)."""
        ...

    async def mark_many(
        self, consumer: str, event_ids: Sequence[uuid.UUID], at: datetime
    ) -> set[uuid.UUID]:
        """:meth:`mark` for several events in one statement; returns the ids newly recorded
        (those the caller applies now), never one already recorded."""
        ...


class Transaction(Protocol):
    """Repositories bound to one open transaction."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def restaurants(self) -> RestaurantRepository: ...
    @property
    def categories(self) -> CategoryRepository: ...
    @property
    def foods(self) -> FoodRepository: ...
    @property
    def modifiers(self) -> ModifierRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def tickets(self) -> TicketRepository: ...
    @property
    def bills(self) -> BillRepository: ...
    @property
    def slots(self) -> SlotLedger: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def idempotency(self) -> IdempotencyStore: ...
    @property
    def processed(self) -> ProcessedEvents: ...


class Database(Protocol):
    async def run(
        self, work: Callable[[Transaction], Awaitable[T]], *, turn: uuid.UUID | None = None
    ) -> T:
        """Run ``work`` in one transaction and commit. Serialization failures (SQLSTATE 40001,
        a locked SQLite file) retry the whole unit with capped, jittered backoff; when retries
        run out, or the database is unreachable, :class:`Unavailable` is raised.

        ``turn`` names a hot row's owner (a restaurant whose placements all write one row):
        units with the same ``turn`` run one at a time across every process sharing the
        database, each attempt waiting its turn before its transaction begins, so they queue
        instead of failing each other's serialization. Where the database serializes every
        write anyway (SQLite's single writer) it changes nothing."""
        ...

    async def read(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work``, which only reads, in a transaction of its own beside the units of
        work: on SQLite it never queues for the single writer, and it is in nobody's
        serialization conflicts. For reads that may be a moment old (a ready-time quote's
        view of the kitchen); never for a read a write depends on."""
        ...

    async def ping(self) -> None:
        """Raise :class:`Unavailable` when the database cannot be reached."""
        ...

    async def close(self) -> None: ...


JsonDict = dict[str, Any]
