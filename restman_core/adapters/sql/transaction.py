"""One open transaction and the repositories bound to it."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.repo_billing import SqlBillRepository
from restman_core.adapters.sql.repo_events import (
    SqlIdempotencyStore,
    SqlOutbox,
    SqlProcessedEvents,
)
from restman_core.adapters.sql.repo_kitchen import SqlTicketRepository
from restman_core.adapters.sql.repo_menus import (
    SqlCategoryRepository,
    SqlFoodRepository,
    SqlRestaurantRepository,
)
from restman_core.adapters.sql.repo_modifiers import SqlModifierRepository
from restman_core.adapters.sql.repo_orders import SqlOrderRepository
from restman_core.adapters.sql.repo_pacing import SqlSlotLedger
from restman_core.adapters.sql.repo_users import SqlStaffRepository, SqlUserRepository
from restman_core.adapters.sql.retry import RetryUnit

__all__ = ["RetryUnit", "SqlTransaction"]


class SqlTransaction:
    """Implements :class:`restman_core.ports.storage.Transaction`; repositories are created on
    first use and share the connection (and so the transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @cached_property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.conn)

    @cached_property
    def staff(self) -> SqlStaffRepository:
        return SqlStaffRepository(self.conn)

    @cached_property
    def restaurants(self) -> SqlRestaurantRepository:
        return SqlRestaurantRepository(self.conn)

    @cached_property
    def categories(self) -> SqlCategoryRepository:
        return SqlCategoryRepository(self.conn)

    @cached_property
    def foods(self) -> SqlFoodRepository:
        return SqlFoodRepository(self.conn)

    @cached_property
    def modifiers(self) -> SqlModifierRepository:
        return SqlModifierRepository(self.conn)

    @cached_property
    def orders(self) -> SqlOrderRepository:
        return SqlOrderRepository(self.conn)

    @cached_property
    def tickets(self) -> SqlTicketRepository:
        return SqlTicketRepository(self.conn)

    @cached_property
    def bills(self) -> SqlBillRepository:
        return SqlBillRepository(self.conn)

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self.conn)

    @property
    def used_outbox(self) -> bool:
        """Whether the unit reached for the outbox, so may have added rows to it."""
        return "outbox" in self.__dict__

    @cached_property
    def idempotency(self) -> SqlIdempotencyStore:
        return SqlIdempotencyStore(self.conn)

    @cached_property
    def processed(self) -> SqlProcessedEvents:
        return SqlProcessedEvents(self.conn)

    @cached_property
    def slots(self) -> SqlSlotLedger:
        return SqlSlotLedger(self.conn)
