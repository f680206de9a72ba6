"""Firing held courses: by staff (``POST /api/kitchen/orders/{id}/fire``) and, where the
restaurant sets ``auto_fire_courses``, by itself once the previous course is delivered.

Both run inside the caller's unit of work. Every fired ticket is written compare-and-set on its
version, so of two terminals firing the same course at once exactly one wins; the other's
transaction fails with a Conflict (or, under SERIALIZABLE, is retried and then finds the course
already fired: a Conflict as well).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from restman_core.domain.fire_times import fire_times
from restman_core.domain.kitchen import Ticket, TicketStatus
from restman_core.errors import Conflict, NotFound
from restman_core.ports.storage import Transaction
from restman_core.services.ticket_changes import save_ticket


async def fire_course(
    tx: Transaction, tickets: Sequence[Ticket], course: int, at: datetime
) -> list[Ticket]:
    """Release the held tickets of ``course`` among ``tickets`` (one order's). A course the
    order does not have is NotFound; one already fired (nothing of it held) is a Conflict."""
    of_course = [
        t for t in tickets if t.course == course and t.status is not TicketStatus.CANCELLED
    ]
    if not of_course:
        raise NotFound(f"This order has no course {course}", details={"course": course})
    held = [t for t in of_course if t.held]
    if not held:
        raise Conflict(f"Course {course} was already fired", details={"course": course})
    due = fire_times(at, {t.id: t.prep_seconds for t in held})
    return [await save_ticket(tx, t, t.fired_at(due[t.id], at)) for t in held]


def next_course_due(tickets: Sequence[Ticket]) -> int | None:
    """The held course that the delivered state of ``tickets`` makes due: the lowest held
    course, when every live ticket of the courses before it was delivered. None otherwise."""
    held = [t.course for t in tickets if t.held and t.status is TicketStatus.NEW]
    if not held:
        return None
    course = min(held)
    before = [t for t in tickets if t.course < course and t.status is not TicketStatus.CANCELLED]
    if all(t.status is TicketStatus.DELIVERED_TO_SERVICE for t in before):
        return course
    return None


async def auto_fire_next(tx: Transaction, order_id: uuid.UUID, at: datetime) -> list[Ticket]:
    """Where the order's restaurant sets ``auto_fire_courses``, fire the next held course once
    the previous one is delivered. Returns the tickets fired (none when nothing is due)."""
    tickets = list(await tx.tickets.for_order(order_id))
    course = next_course_due(tickets)
    if course is None:
        return []
    restaurant = await tx.restaurants.get(tickets[0].restaurant_id)
    if restaurant is None or not restaurant.auto_fire_courses:
        return []
    return await fire_course(tx, tickets, course, at)
