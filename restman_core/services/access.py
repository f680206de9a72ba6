"""Object-level permission checks shared by the use cases.

Rules (from the API contract): owners act on their own restaurants, staff on the restaurants they
staff, customers on their own orders and bills, admins on everything. Acting on someone else's
object answers NotFound (its existence is not revealed); a role that may never do something
answers Forbidden.
"""

from __future__ import annotations

import uuid

from restman_core.domain.access import Actor, Role
from restman_core.domain.menus import Restaurant
from restman_core.errors import Forbidden, NotFound
from restman_core.ports.storage import Transaction

RESTAURANT_NOT_FOUND = "Restaurant not found"


def require_role(actor: Actor, *roles: Role) -> None:
    """Forbidden unless the actor has one of ``roles`` (admins always pass)."""
    if actor.role is Role.ADMIN or actor.role in roles:
        return
    raise Forbidden("Your role may not do this")


async def managed_restaurant(tx: Transaction, actor: Actor, restaurant_id: uuid.UUID) -> Restaurant:
    """The restaurant if the actor owns it (or is an admin); NotFound otherwise."""
    require_role(actor, Role.OWNER)
    restaurant = await tx.restaurants.get(restaurant_id)
    if restaurant is None or (not actor.is_admin and restaurant.owner_id != actor.user_id):
        raise NotFound(RESTAURANT_NOT_FOUND)
    return restaurant


async def operated_restaurants(tx: Transaction, actor: Actor) -> frozenset[uuid.UUID] | None:
    """Restaurants whose kitchen and orders the actor may operate: ``None`` means all (admin);
    owners get the ones they own, staff the ones they staff; customers are Forbidden."""
    if actor.is_admin:
        return None
    if actor.role is Role.OWNER:
        return frozenset(r.id for r in await tx.restaurants.list_owned(actor.user_id))
    if actor.role is Role.KITCHEN:
        return await tx.staff.restaurants_of(actor.user_id)
    raise Forbidden("Your role may not do this")


async def may_operate(tx: Transaction, actor: Actor, restaurant_id: uuid.UUID) -> bool:
    """Whether the actor owns, staffs or administers the restaurant (False for customers)."""
    if actor.is_admin:
        return True
    if actor.role is Role.OWNER:
        restaurant = await tx.restaurants.get(restaurant_id)
        return restaurant is not None and restaurant.owner_id == actor.user_id
    if actor.role is Role.KITCHEN:
        return restaurant_id in await tx.staff.restaurants_of(actor.user_id)
    return False


def scoped(
    allowed: frozenset[uuid.UUID] | None, wanted: uuid.UUID | None
) -> frozenset[uuid.UUID] | None:
    """Narrow an allowed set to one wanted restaurant; a restaurant outside the set yields an
    empty set (nothing visible), never an error that would reveal it."""
    if wanted is None:
        return allowed
    if allowed is None or wanted in allowed:
        return frozenset({wanted})
    return frozenset()
