"""The pacing ledger: the prep seconds counted in each time slot of each paced restaurant
(see :mod:`restman_core.domain.pacing`).

One row per (restaurant, slot start), created by the first order counted in the slot and
changed only by one statement that adds a load if it still fits (placing) or takes one back
(cancelling), so the row itself decides, atomically, whether an order fits.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Table, Uuid

from restman_core.adapters.sql.metadata import UTCDateTime, metadata

kitchen_slots = Table(
    "kitchen_slots",
    metadata,
    Column("restaurant_id", Uuid, ForeignKey("restaurants.id"), primary_key=True),
    Column("slot_start", UTCDateTime, primary_key=True),
    Column("prep_seconds", BigInteger, nullable=False),
    CheckConstraint("prep_seconds >= 0", name="prep_not_negative"),
)
