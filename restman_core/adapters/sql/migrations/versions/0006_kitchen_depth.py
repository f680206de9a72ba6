"""kitchen depth: items added to and voided on open orders, and no ticket outliving its order

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01

Adds the addition number (``batch``) to order items and tickets, with the ticket's unique key
widened to (order, station, batch) so an addition gets tickets of its own, and ``voided`` to
order items and ticket items. Existing rows are placements (batch 0) and not voided.

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

revision: str = "0006"
down_revision: str | None = "0004"
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
)
_ticket_items = sa.table("ticket_items", sa.column("ticket_id", sa.Uuid()))
_orders = sa.table("orders", sa.column("id", sa.Uuid()), sa.column("status", sa.String()))


_ITEMS_FK = "fk_ticket_items_ticket_id_kitchen_tickets"


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
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("voided", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("ticket_items") as batch:
        batch.add_column(
            sa.Column("voided", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with _children_unlinked(), op.batch_alter_table("kitchen_tickets") as batch:
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("uq_kitchen_tickets_order_id_station", type_="unique")
        batch.create_unique_constraint(
            "uq_kitchen_tickets_order_id_station_batch", ["order_id", "station", "batch"]
        )
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
    # Addition tickets cannot keep (order, station) unique: they go with the downgrade.
    additions = sa.select(_tickets.c.id).where(_tickets.c.batch > 0)
    op.execute(_ticket_items.delete().where(_ticket_items.c.ticket_id.in_(additions)))
    op.execute(_tickets.delete().where(_tickets.c.batch > 0))
    with _children_unlinked(), op.batch_alter_table("kitchen_tickets") as batch:
        batch.drop_constraint("uq_kitchen_tickets_order_id_station_batch", type_="unique")
        batch.create_unique_constraint(
            "uq_kitchen_tickets_order_id_station", ["order_id", "station"]
        )
        batch.drop_column("batch")
    with op.batch_alter_table("ticket_items") as batch:
        batch.drop_column("voided")
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("voided")
        batch.drop_column("batch")
