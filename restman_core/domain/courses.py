"""Courses: which course an item belongs to, and which courses of an order wait to be fired.

A course is 1 (starters), 2 (mains) or 3 (desserts). A food's own course wins over its
category's; an item of neither is a main (:data:`DEFAULT_COURSE`), so a menu that never sets a
course has one course and nothing is ever held. For a dine-in order with items of several
courses, the first course fires at once and the later ones are held until staff fire them (or,
where the restaurant sets ``auto_fire_courses``, until the previous course is delivered).
Delivery and takeaway orders leave together: nothing is held.
"""

from __future__ import annotations

from collections.abc import Iterable

from restman_core.errors import InvalidInput

STARTERS = 1
MAINS = 2
DESSERTS = 3
COURSES = (STARTERS, MAINS, DESSERTS)
DEFAULT_COURSE = MAINS
COURSE_NAMES = {STARTERS: "starters", MAINS: "mains", DESSERTS: "desserts"}


def clean_course(value: object, *, field: str = "course") -> int | None:
    """An optional course number: None, or one of 1, 2, 3."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in COURSES:
        raise InvalidInput(
            f"{field} must be 1 (starters), 2 (mains) or 3 (desserts)", details={"field": field}
        )
    return value


def course_of(food_course: int | None, category_course: int | None) -> int:
    """The course an item is served in: the food's, else its category's, else mains."""
    if food_course is not None:
        return food_course
    if category_course is not None:
        return category_course
    return DEFAULT_COURSE


def held_courses(dine_in: bool, courses: Iterable[int], fired_up_to: int | None = None) -> set[int]:
    """The courses among ``courses`` that wait to be fired.

    Only dine-in orders hold courses. Courses up to ``fired_up_to`` (the highest course of the
    order already fired) are not held; without it the lowest course of ``courses`` is the one
    that fires at once."""
    present = set(courses)
    if not dine_in or not present:
        return set()
    fired = fired_up_to if fired_up_to is not None else min(present)
    return {c for c in present if c > fired}
