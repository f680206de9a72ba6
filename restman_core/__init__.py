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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Where each public name lives. Importing ``restman_core`` stays cheap (a command's --help does
# not load SQLAlchemy, Alembic or the analytics engine); a name's module loads on first use.
_HOMES = {
    "Platform": "restman_core.bootstrap",
    "bootstrap": "restman_core.bootstrap",
    "Settings": "restman_core.config",
    "load_settings": "restman_core.config",
    "Actor": "restman_core.domain.access",
    "Role": "restman_core.domain.access",
    "Bill": "restman_core.domain.billing",
    "BillStatus": "restman_core.domain.billing",
    "PaymentMethod": "restman_core.domain.billing",
    "DomainEvent": "restman_core.domain.events",
    "Ticket": "restman_core.domain.kitchen",
    "TicketItem": "restman_core.domain.kitchen",
    "TicketStatus": "restman_core.domain.kitchen",
    "Category": "restman_core.domain.menus",
    "Food": "restman_core.domain.menus",
    "Restaurant": "restman_core.domain.menus",
    "Order": "restman_core.domain.orders",
    "OrderItem": "restman_core.domain.orders",
    "OrderStatus": "restman_core.domain.orders",
    "OrderType": "restman_core.domain.orders",
    "User": "restman_core.domain.users",
    "Conflict": "restman_core.errors",
    "Forbidden": "restman_core.errors",
    "InvalidInput": "restman_core.errors",
    "NotFound": "restman_core.errors",
    "RateLimited": "restman_core.errors",
    "RestmanError": "restman_core.errors",
    "Unauthorized": "restman_core.errors",
    "Unavailable": "restman_core.errors",
    "Page": "restman_core.ports.storage",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'restman_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


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
