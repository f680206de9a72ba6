"""kitchen depth: courses held and fired, items added to and voided on open orders, and no
ticket outliving its order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Adds the addition number (``batch``) to order items and tickets, with the ticket's unique key
widened to (order, station, batch) so an addition gets tickets of its own, and ``voided`` to
order items and ticket items. Existing rows are placements (batch 0) and not voided.
Courses: ``course`` on categories and foods (optional), on order items and tickets (mains, 2,
for existing rows), tickets ``held`` (false for existing rows), and the restaurant's
``auto_fire_courses`` (off). The ticket key becomes (order, station, batch, course). Fire
times: order items keep their food's ``prep_time_seconds``, tickets their ``prep_seconds`` (0
for existing rows) and ``fire_at`` (none: due). Orders get ``quoted_ready_at`` (none for
existing rows).

It also closes the tickets that earlier versions left open on orders already closed (an order
moved to COMPLETED or CANCELLED by hand kept them): DELIVERED_TO_SERVICE for a completed order,
CANCELLED for a cancelled one, with their version bumped so a terminal holding the old one
reloads. Boards see the change on their next read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from restman_core.adapters.sql.metadata import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = ("NEW", "ACCEPTED", "IN_PROGRESS", "READY")
_tickets = sa.table(
    "kitchen_tickets",
    sa.column("id", sa.Uuid()),
    sa.column("order_id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("recall_status", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("batch", sa.Integer()),
    sa.column("station", sa.String()),
    sa.column("course", sa.Integer()),
)
_ticket_items = sa.table("ticket_items", sa.column("ticket_id", sa.Uuid()))
_orders = sa.table("orders", sa.column("id", sa.Uuid()), sa.column("status", sa.String()))


_ITEMS_FK = "fk_ticket_items_ticket_id_kitchen_tickets"
_NEW_KEY = "uq_kitchen_tickets_order_id_station_batch_course"


@contextmanager
def _children_unlinked() -> Iterator[None]:
    """On SQLite, changing a table's unique key recreates the table, and dropping the old one
    is refused while foreign keys (enforced, and not switchable inside the migration's
    transaction) point at it: ticket items lose their key to the tickets for the change and get
    it back after. Other databases alter in place and need nothing."""
    if op.get_context().dialect.name != "sqlite":
        yield
        return
    with op.batch_alter_table("ticket_items") as batch:
        batch.drop_constraint(_ITEMS_FK, type_="foreignkey")
    yield
    with op.batch_alter_table("ticket_items") as batch:
        batch.create_foreign_key(_ITEMS_FK, "kitchen_tickets", ["ticket_id"], ["id"])


def upgrade() -> None:
    # Plain ADD COLUMN everywhere (SQLite included): no table is recreated for these.
    op.add_column(
        "restaurants",
        sa.Column("auto_fire_courses", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for table in ("categories", "foods"):
        op.add_column(table, sa.Column("course", sa.Integer(), nullable=True))
    op.add_column(
        "order_items", sa.Column("batch", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "order_items",
        sa.Column("voided", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "order_items", sa.Column("course", sa.Integer(), nullable=False, server_default="2")
    )
    op.add_column("order_items", sa.Column("prep_time_seconds", sa.Integer(), nullable=True))
    op.add_column("orders", sa.Column("quoted_ready_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column(
        "ticket_items",
        sa.Column("voided", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with _children_unlinked(), op.batch_alter_table("kitchen_tickets") as batch:
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("course", sa.Integer(), nullable=False, server_default="2"))
        batch.add_column(sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(
            sa.Column("prep_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("fire_at", UTCDateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_kitchen_tickets_order_id_station", type_="unique")
        batch.create_unique_constraint(_NEW_KEY, ["order_id", "station", "batch", "course"])
    for order_status, ticket_status in (
        ("COMPLETED", "DELIVERED_TO_SERVICE"),
        ("CANCELLED", "CANCELLED"),
    ):
        closed_orders = sa.select(_orders.c.id).where(_orders.c.status == order_status)
        op.execute(
            _tickets.update()
            .where(_tickets.c.status.in_(_OPEN), _tickets.c.order_id.in_(closed_orders))
            .values(status=ticket_status, recall_status=None, version=_tickets.c.version + 1)
        )


def downgrade() -> None:
    # Addition tickets and the tickets of an order's later courses cannot keep (order, station)
    # unique: they go with the downgrade (the first ticket of each order and station stays).
    first = sa.select(_tickets.c.order_id, _tickets.c.station, sa.func.min(_tickets.c.course))
    first = first.where(_tickets.c.batch == 0).group_by(_tickets.c.order_id, _tickets.c.station)
    extra = sa.select(_tickets.c.id).where(
        sa.or_(
            _tickets.c.batch > 0,
            sa.tuple_(_tickets.c.order_id, _tickets.c.station, _tickets.c.course).not_in(first),
        )
    )
    extra_ids = [row.id for row in op.get_bind().execute(extra)]
    if extra_ids:
        op.execute(_ticket_items.delete().where(_ticket_items.c.ticket_id.in_(extra_ids)))
        op.execute(_tickets.delete().where(_tickets.c.id.in_(extra_ids)))
    with _children_unlinked(), op.batch_alter_table("kitchen_tickets") as batch:
        batch.drop_constraint(_NEW_KEY, type_="unique")
        batch.create_unique_constraint(
            "uq_kitchen_tickets_order_id_station", ["order_id", "station"]
        )
        batch.drop_column("fire_at")
        batch.drop_column("prep_seconds")
        batch.drop_column("held")
        batch.drop_column("course")
        batch.drop_column("batch")
    # Plain DROP COLUMN (SQLite has it since 3.35): no table with children is recreated.
    op.drop_column("ticket_items", "voided")
    for column in ("prep_time_seconds", "course", "voided", "batch"):
        op.drop_column("order_items", column)
    for table in ("foods", "categories"):
        op.drop_column(table, "course")
    op.drop_column("restaurants", "auto_fire_courses")
    op.drop_column("orders", "quoted_ready_at")
