"""restman_core: the RestMan domain library.

Every rule and use case of the platform lives here; the HTTP API, the CLI and the kitchen display
are thin front ends over it, and other programs can import it directly::

    import asyncio
    from restman_core import bootstrap, load_settings

    async def main() -> None:
        platform = await bootstrap(load_settings(data_dir="./.restman"))
        try:
            ...  # platform.menus, platform.orders, platform.kitchen, platform.billing
        finally:
            await platform.close()

    asyncio.run(main())

The names below are the supported public API; anything else may change without notice.
"""

from restman_core.bootstrap import Platform, bootstrap
from restman_core.config import Settings, load_settings
from restman_core.domain.access import Actor, Role
from restman_core.domain.billing import Bill, BillStatus, PaymentMethod
from restman_core.domain.events import DomainEvent
from restman_core.domain.kitchen import Ticket, TicketItem, TicketStatus
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.orders import Order, OrderItem, OrderStatus, OrderType
from restman_core.domain.users import User
from restman_core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    RestmanError,
    Unauthorized,
    Unavailable,
)
from restman_core.ports.storage import Page

__all__ = [
    "Actor",
    "Bill",
    "BillStatus",
    "Category",
    "Conflict",
    "DomainEvent",
    "Food",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Order",
    "OrderItem",
    "OrderStatus",
    "OrderType",
    "Page",
    "PaymentMethod",
    "Platform",
    "RateLimited",
    "Restaurant",
    "RestmanError",
    "Role",
    "Settings",
    "Ticket",
    "TicketItem",
    "TicketStatus",
    "Unauthorized",
    "Unavailable",
    "User",
    "bootstrap",
    "load_settings",
]
