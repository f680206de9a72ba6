"""Users and kitchen staff."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.rows import insert_ignore, values
from restman_core.adapters.sql.tables import restaurant_staff, staff_invitations, users
from restman_core.domain.access import Role
from restman_core.domain.users import User


def _user(row: Any) -> User:
    data = values(row)
    return User(
        id=data["id"],
        email=data["email"],
        role=Role(data["role"]),
        is_active=data["is_active"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        last_sign_in_at=data["last_sign_in_at"],
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": str(user.role),
        "is_active": user.is_active,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "last_sign_in_at": user.last_sign_in_at,
    }


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.id == user_id))).first()
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.email == email))).first()
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        await self._conn.execute(users.insert().values(**_user_values(user)))

    async def save(self, user: User) -> None:
        data = _user_values(user)
        data.pop("id")
        await self._conn.execute(update(users).where(users.c.id == user.id).values(**data))

    async def list(
        self, *, role: Role | None = None, limit: int = 50, offset: int = 0
    ) -> Sequence[User]:
        query = select(users).order_by(users.c.created_at, users.c.id).limit(limit).offset(offset)
        if role is not None:
            query = query.where(users.c.role == str(role))
        return [_user(r) for r in await self._conn.execute(query)]


class SqlStaffRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, restaurant_id: uuid.UUID, user_id: uuid.UUID, added_by: uuid.UUID, at: datetime
    ) -> bool:
        statement = insert_ignore(self._conn, restaurant_staff, ["restaurant_id", "user_id"])
        result = await self._conn.execute(
            statement.values(
                restaurant_id=restaurant_id, user_id=user_id, added_by=added_by, added_at=at
            )
        )
        return bool(result.rowcount)

    async def remove(self, restaurant_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await self._conn.execute(
            delete(restaurant_staff).where(
                restaurant_staff.c.restaurant_id == restaurant_id,
                restaurant_staff.c.user_id == user_id,
            )
        )
        return bool(result.rowcount)

    async def restaurants_of(self, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
        rows = await self._conn.execute(
            select(restaurant_staff.c.restaurant_id).where(restaurant_staff.c.user_id == user_id)
        )
        return frozenset(r[0] for r in rows)

    async def members(self, restaurant_id: uuid.UUID) -> Sequence[User]:
        rows = await self._conn.execute(
            select(users)
            .join(restaurant_staff, restaurant_staff.c.user_id == users.c.id)
            .where(restaurant_staff.c.restaurant_id == restaurant_id)
            .order_by(users.c.email)
        )
        return [_user(r) for r in rows]

    async def invite(
        self, restaurant_id: uuid.UUID, email: str, invited_by: uuid.UUID, at: datetime
    ) -> bool:
        statement = insert_ignore(self._conn, staff_invitations, ["restaurant_id", "email"])
        result = await self._conn.execute(
            statement.values(
                restaurant_id=restaurant_id, email=email, invited_by=invited_by, invited_at=at
            )
        )
        return bool(result.rowcount)

    async def invitations_for(self, email: str) -> frozenset[uuid.UUID]:
        rows = await self._conn.execute(
            select(staff_invitations.c.restaurant_id).where(staff_invitations.c.email == email)
        )
        return frozenset(r[0] for r in rows)

    async def withdraw_invitation(self, restaurant_id: uuid.UUID, email: str) -> bool:
        result = await self._conn.execute(
            delete(staff_invitations).where(
                staff_invitations.c.restaurant_id == restaurant_id,
                staff_invitations.c.email == email,
            )
        )
        return bool(result.rowcount)

    async def clear_invitations(self, email: str) -> None:
        await self._conn.execute(
            delete(staff_invitations).where(staff_invitations.c.email == email)
        )
