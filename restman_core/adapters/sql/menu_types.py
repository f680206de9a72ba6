"""Column types for the menu's small structured values, stored as JSON text so that every
dialect (SQLite, PostgreSQL, CockroachDB) holds them the same way: ordered id lists, word
lists, weekly hours, a restaurant's pace, and the modifier snapshots of order and ticket lines."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect

from restman_core.domain.modifiers import ChosenModifier, chosen_from_json
from restman_core.domain.money import format_money
from restman_core.domain.pacing import Pacing, pacing_from_json
from restman_core.domain.schedule import WeeklyHours, hours_from_json


class IdList(TypeDecorator[tuple[uuid.UUID, ...]]):
    """An ordered tuple of UUIDs (a food's modifier groups)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps([str(v) for v in value or ()])

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[uuid.UUID, ...]:
        return tuple(uuid.UUID(v) for v in json.loads(value or "[]"))


class WordList(TypeDecorator[tuple[str, ...]]):
    """An ordered tuple of short words (a food's allergens)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(list(value or ()))

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...]:
        return tuple(str(v) for v in json.loads(value or "[]"))


class HoursJson(TypeDecorator[WeeklyHours]):
    """Weekly hours in the contract's form; NULL is always open."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, WeeklyHours):
            raise TypeError(f"expected WeeklyHours, got {type(value).__name__}")
        return json.dumps(value.as_json(), sort_keys=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> WeeklyHours | None:
        return None if value is None else hours_from_json(json.loads(value))


class PacingJson(TypeDecorator[Pacing]):
    """A restaurant's pace (``{slot_minutes, max_prep_seconds_per_slot}``); NULL is none."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Pacing):
            raise TypeError(f"expected Pacing, got {type(value).__name__}")
        return json.dumps(value.as_json(), sort_keys=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> Pacing | None:
        return None if value is None else pacing_from_json(json.loads(value))


def snapshot_json(chosen: ChosenModifier) -> dict[str, Any]:
    return {
        "option_id": str(chosen.option_id),
        "group_id": str(chosen.group_id),
        "group_name": chosen.group_name,
        "name": chosen.name,
        "price_delta": format_money(chosen.price_delta),
        "quantity": chosen.quantity,
    }


class ModifierSnapshots(TypeDecorator[tuple[ChosenModifier, ...]]):
    """The modifiers an order or ticket line took, frozen at placement."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps([snapshot_json(c) for c in value or ()])

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[ChosenModifier, ...]:
        return tuple(chosen_from_json(d) for d in json.loads(value or "[]"))
