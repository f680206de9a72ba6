"""Kitchen tickets: one per station an order's items route to, with item-level done flags,
the ticket status machine, recall of the last bump, and a version for compare-and-set."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from restman_core.domain.courses import DEFAULT_COURSE
from restman_core.domain.modifiers import ChosenModifier
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, InvalidInput, NotFound


class TicketStatus(StrEnum):
    NEW = "NEW"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    READY = "READY"
    DELIVERED_TO_SERVICE = "DELIVERED_TO_SERVICE"
    CANCELLED = "CANCELLED"


CLOSED_TICKET_STATUSES = frozenset({TicketStatus.DELIVERED_TO_SERVICE, TicketStatus.CANCELLED})
OPEN_TICKET_STATUSES = frozenset(set(TicketStatus) - CLOSED_TICKET_STATUSES)
# Open and not yet READY: what the kitchen still has to cook.
COOKING_TICKET_STATUSES = frozenset(
    {TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS}
)

_BUMP: dict[TicketStatus, TicketStatus] = {
    TicketStatus.NEW: TicketStatus.ACCEPTED,
    TicketStatus.ACCEPTED: TicketStatus.IN_PROGRESS,
    TicketStatus.IN_PROGRESS: TicketStatus.READY,
    TicketStatus.READY: TicketStatus.DELIVERED_TO_SERVICE,
}
_RANK = {
    TicketStatus.NEW: 0,
    TicketStatus.ACCEPTED: 1,
    TicketStatus.IN_PROGRESS: 2,
    TicketStatus.READY: 3,
    TicketStatus.DELIVERED_TO_SERVICE: 4,
}


def next_status(current: TicketStatus) -> TicketStatus | None:
    """Where a bump takes a ticket; None for closed tickets."""
    return _BUMP.get(current)


def can_move(current: TicketStatus, target: TicketStatus) -> bool:
    """Legal moves: one step forward, any open status straight to DELIVERED_TO_SERVICE, and any
    open status to CANCELLED (only the platform cancels, when the order is cancelled)."""
    if current in CLOSED_TICKET_STATUSES:
        return False
    if target in (TicketStatus.DELIVERED_TO_SERVICE, TicketStatus.CANCELLED):
        return True
    return _BUMP.get(current) is target


def parse_ticket_status(value: object) -> TicketStatus:
    try:
        return TicketStatus(str(value).upper())
    except ValueError as exc:
        raise InvalidInput(
            f"status must be one of {', '.join(TicketStatus)}", details={"field": "status"}
        ) from exc


@dataclass(frozen=True, slots=True)
class TicketItem:
    id: uuid.UUID
    order_item_id: uuid.UUID
    food_id: uuid.UUID
    food_name: str
    quantity: int
    notes: str | None
    done: bool = False
    modifiers: tuple[ChosenModifier, ...] = ()
    allergy_note: str | None = None
    voided: bool = False


@dataclass(frozen=True, slots=True)
class Ticket:
    id: uuid.UUID
    order_id: uuid.UUID
    restaurant_id: uuid.UUID
    user_id: uuid.UUID
    station: str
    status: TicketStatus
    version: int
    order_type: str
    table: str | None
    special_instructions: str | None
    items: tuple[TicketItem, ...]
    created_at: datetime
    updated_at: datetime
    recall_status: TicketStatus | None = None
    ready_at: datetime | None = None
    # 0 for the tickets opened at placement, 1, 2, ... for each later addition to the order.
    batch: int = 0
    # The course the ticket's items are served in (1 starters, 2 mains, 3 desserts).
    course: int = DEFAULT_COURSE
    # A later course of a dine-in order waits, visible but not cooked, until it is fired.
    held: bool = False
    # The longest prep time of its items, and when it is due to be started so that its whole
    # course is ready together (see restman_core.domain.fire_times); None while held.
    prep_seconds: int = 0
    fire_at: datetime | None = None

    @property
    def order_number(self) -> str:
        return self.order_id.hex[:6].upper()

    @property
    def allergy_notes(self) -> tuple[str, ...]:
        """Every item's allergy note, ``"2x Burger: no peanuts"``, in item order: what the
        kitchen display shows above the items so that no cook misses it."""
        return tuple(
            f"{i.quantity}x {i.food_name}: {i.allergy_note}" for i in self.items if i.allergy_note
        )

    @property
    def is_addition(self) -> bool:
        """Whether the ticket holds items added after the order was placed."""
        return self.batch > 0

    @property
    def can_recall(self) -> bool:
        """Whether :meth:`recalled` would succeed: there is a bump to undo and the ticket was
        not cancelled with its order."""
        return self.recall_status is not None and self.status is not TicketStatus.CANCELLED

    def check_version(self, expected: int | None) -> None:
        """Compare-and-set guard: a stale ``expected`` version is a Conflict."""
        if expected is not None and expected != self.version:
            raise Conflict(
                f"Ticket changed since version {expected} (now {self.version}); reload it",
                details={"current_version": self.version},
            )

    def fired(self, at: datetime) -> Ticket:
        """This held ticket released to the kitchen; a ticket not held is a Conflict."""
        if not self.held:
            raise Conflict(
                f"Course {self.course} was already fired", details={"course": self.course}
            )
        return replace(self, held=False, version=self.version + 1, updated_at=at)

    def fired_at(self, fire_at: datetime, at: datetime) -> Ticket:
        """This held ticket fired, due to be started at ``fire_at``."""
        return replace(self.fired(at), fire_at=fire_at)

    def moved_to(self, target: TicketStatus, at: datetime) -> Ticket:
        """This ticket after a legal move; raises Conflict for an illegal one. The previous
        status is remembered so the bump can be recalled. A held ticket is not cooked until
        its course is fired: it may only be closed (delivered or cancelled with its order)."""
        if self.held and target not in CLOSED_TICKET_STATUSES:
            raise Conflict(
                f"Course {self.course} is held; fire it first", details={"course": self.course}
            )
        if not can_move(self.status, target):
            raise Conflict(
                f"Invalid ticket transition from {self.status} to {target}",
                details={"from": str(self.status), "to": str(target)},
            )
        ready_at = self.ready_at
        # Bumped before its fire time: the cook started it early, so it is due now.
        fire_at = self.fire_at if self.fire_at is None or self.fire_at <= at else at
        if target is TicketStatus.READY or (
            target is TicketStatus.DELIVERED_TO_SERVICE and ready_at is None
        ):
            ready_at = at
        return replace(
            self,
            status=target,
            recall_status=self.status,
            version=self.version + 1,
            updated_at=at,
            ready_at=ready_at,
            fire_at=fire_at,
        )

    def recalled(self, at: datetime) -> Ticket:
        """Undo the last bump: back to the status it had before. Cancelled tickets and tickets
        with nothing to undo answer Conflict."""
        back = self.recall_status
        if back is None or not self.can_recall:
            raise Conflict("Nothing to recall on this ticket")
        return replace(
            self,
            status=back,
            recall_status=None,
            version=self.version + 1,
            updated_at=at,
            ready_at=self.ready_at if _RANK[back] >= _RANK[TicketStatus.READY] else None,
        )

    def with_item_done(self, item_id: uuid.UUID, done: bool, at: datetime) -> Ticket:
        """Mark one item done or not. An item id of another ticket is NotFound (a path id must
        belong to the ticket in that path); items of a closed ticket are a Conflict."""
        if not any(item.id == item_id for item in self.items):
            raise NotFound("Ticket item not found")
        if self.status in CLOSED_TICKET_STATUSES:
            raise Conflict(f"Ticket is {self.status}; its items can no longer change")
        items = tuple(replace(i, done=done) if i.id == item_id else i for i in self.items)
        return replace(self, items=items, version=self.version + 1, updated_at=at)


def voided_item(ticket: Ticket, order_item_id: uuid.UUID, at: datetime) -> Ticket:
    """``ticket`` with the line of ``order_item_id`` voided (shown VOID, no longer cooked).

    Only an item not yet READY may be voided: a ticket that is READY or closed, or an item the
    cook marked done, is a Conflict, as is an item voided before. A ticket whose every line is
    voided has nothing left to cook and is CANCELLED with it.
    """
    line = next((i for i in ticket.items if i.order_item_id == order_item_id), None)
    if line is None:
        raise NotFound("Order item not found on this ticket")
    if line.voided:
        raise Conflict("This item is already voided")
    if ticket.status not in COOKING_TICKET_STATUSES or line.done:
        raise Conflict(
            f"The item is {'done' if line.done else ticket.status}; only an item not yet "
            "READY can be voided",
            details={"ticket_status": str(ticket.status)},
        )
    items = tuple(replace(i, voided=True) if i is line else i for i in ticket.items)
    after = replace(ticket, items=items, version=ticket.version + 1, updated_at=at)
    if all(i.voided for i in items):
        return replace(after.moved_to(TicketStatus.CANCELLED, at), version=ticket.version + 1)
    return after


def order_status_from_tickets(statuses: Iterable[TicketStatus]) -> OrderStatus | None:
    """The order status that kitchen progress implies, or None when it implies nothing.

    Cancelled tickets are ignored. The order is ACCEPTED once any ticket is accepted, IN_PROGRESS
    once any is being cooked, READY when every ticket is READY (or delivered), and COMPLETED when
    every ticket is DELIVERED_TO_SERVICE.
    """
    ranks = [_RANK[s] for s in statuses if s is not TicketStatus.CANCELLED]
    if not ranks:
        return None
    if min(ranks) >= _RANK[TicketStatus.DELIVERED_TO_SERVICE]:
        return OrderStatus.COMPLETED
    if min(ranks) >= _RANK[TicketStatus.READY]:
        return OrderStatus.READY
    if max(ranks) >= _RANK[TicketStatus.IN_PROGRESS]:
        return OrderStatus.IN_PROGRESS
    if max(ranks) >= _RANK[TicketStatus.ACCEPTED]:
        return OrderStatus.ACCEPTED
    return None
