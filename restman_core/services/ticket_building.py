"""Building an order's tickets from its placement (or an addition's) event data: one ticket per
station and course, later courses of a dine-in order held."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from restman_core.domain.clock import ensure_utc
from restman_core.domain.courses import DEFAULT_COURSE, held_courses
from restman_core.domain.fire_times import fire_times, ticket_prep_seconds
from restman_core.domain.ids import new_id
from restman_core.domain.kitchen import Ticket, TicketItem, TicketStatus
from restman_core.domain.menus import DEFAULT_STATION
from restman_core.domain.modifiers import chosen_from_json


def _parse_time(text: str) -> datetime:
    return ensure_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def tickets_for_order(
    placed: Mapping[str, Any],
    *,
    batch: int = 0,
    voided: frozenset[uuid.UUID] = frozenset(),
    fired_up_to: int | None = None,
) -> list[Ticket]:
    """One NEW ticket per station and course the items route to (an order.placed payload, or
    an order.items_added one with its ``batch``). Items in ``voided`` (order item ids voided
    before the tickets were opened) arrive already voided.

    A dine-in order's courses after the first are ``held`` (see
    :func:`restman_core.domain.courses.held_courses`); for an addition, ``fired_up_to`` is the
    highest course of the order already fired, so an addition to a course under way is cooked
    at once. Events written before courses existed carry no course: their items are mains.
    Within each course fired now the tickets get fire times so that the course is ready
    together (:func:`restman_core.domain.fire_times.fire_times`); held tickets get theirs when
    their course fires.

    A scheduled order (``pickup_at`` in the payload) is cooked to be ready at its pickup: each
    course fired now fires at ``pickup_at`` minus its longest prep time (never before it was
    placed), so its tickets wait with a future ``fire_at`` until their prep has to start.
    """
    at = _parse_time(placed.get("added_at") or placed["placed_at"])
    groups: dict[tuple[str, int], list[TicketItem]] = defaultdict(list)
    preps: dict[tuple[str, int], list[int | None]] = defaultdict(list)
    for item in placed["items"]:
        station = str(item.get("station") or DEFAULT_STATION)
        course = int(item.get("course") or DEFAULT_COURSE)
        preps[(station, course)].append(item.get("prep_time_seconds"))
        groups[(station, course)].append(
            TicketItem(
                id=new_id(),
                order_item_id=uuid.UUID(item["id"]),
                food_id=uuid.UUID(item["food_id"]),
                food_name=str(item["food_name"]),
                quantity=int(item["quantity"]),
                notes=item.get("notes"),
                modifiers=tuple(chosen_from_json(m) for m in item.get("modifiers") or ()),
                allergy_note=item.get("allergy_note"),
                voided=uuid.UUID(item["id"]) in voided,
            )
        )
    order_type = str(placed.get("order_type") or "delivery")
    held = held_courses(order_type == "dine_in", {c for _, c in groups}, fired_up_to)
    prep = {key: ticket_prep_seconds(item_preps) for key, item_preps in preps.items()}
    pickup = _parse_time(placed["pickup_at"]) if placed.get("pickup_at") else None
    fire_at: dict[tuple[str, int], datetime] = {}
    for course in {c for _, c in groups} - held:
        of_course = {k: p for k, p in prep.items() if k[1] == course}
        starts = at
        if pickup is not None:
            starts = max(at, pickup - timedelta(seconds=max(of_course.values(), default=0)))
        fire_at |= fire_times(starts, of_course)
    return [
        Ticket(
            id=new_id(),
            order_id=uuid.UUID(placed["order_id"]),
            restaurant_id=uuid.UUID(placed["restaurant_id"]),
            user_id=uuid.UUID(placed["user_id"]),
            station=station,
            status=TicketStatus.NEW,
            version=1,
            order_type=order_type,
            table=placed.get("table"),
            special_instructions=placed.get("special_instructions"),
            items=tuple(items),
            created_at=at,
            updated_at=at,
            batch=batch,
            course=course,
            held=course in held,
            prep_seconds=prep[(station, course)],
            fire_at=fire_at.get((station, course)),
        )
        for (station, course), items in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0]))
    ]
