"""A killed worker ends, whatever its unit of work was doing: the caller of a unit cancelled at
any moment ends cancelled, and the unit itself still commits or rolls back whole (on SQLite's
single writer and on PostgreSQL).

``Workers.kill`` cancels the worker tasks and waits for them. A cancellation lost while a unit
committed left a worker running on and the kill waiting for ever, so the moment of the
cancellation is swept over a unit's whole life, commit included.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.tables import users
from restman_core.domain.access import Role
from restman_core.domain.users import User
from restman_core.ports.storage import Transaction
from tests.pipeline.conftest import PlatformFactory
from tests.pipeline.world import rows

# Units under way at once (the single writer commits them as one group), and how many turns
# of the event loop their callers live before they are cancelled: from none to past a whole
# group's commit.
UNITS_AT_ONCE = (1, 2, 3, 5, 8)
DELAYS = range(30)
# The moment a cancellation lands varies with the load: the sweep runs several times.
ROUNDS = 3


async def test_a_caller_cancelled_at_any_moment_ends_cancelled_and_its_unit_is_whole(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    tag = uuid.uuid4().hex[:8]

    def unit(n: int) -> Any:
        async def work(tx: Transaction) -> int:
            # Two rows per unit: whole means both or neither.
            for part in ("a", "b"):
                now = platform.clock.now()
                email = f"u{n}{part}-{tag}@example.com"
                user = User(
                    id=uuid.uuid4(),
                    email=email,
                    role=Role.CUSTOMER,
                    is_active=True,
                    created_at=now,
                    updated_at=now,
                )
                await tx.users.add(user)
            return n

        return work

    finished: list[int] = []
    cancelled: list[int] = []
    lost: list[int] = []  # cancelled while running, and yet it returned
    n = 0
    for together in UNITS_AT_ONCE * ROUNDS:
        for delay in DELAYS:
            started = {}
            for _ in range(together):
                n += 1
                started[n] = asyncio.create_task(platform.db.run(unit(n)))
            for _ in range(delay):
                await asyncio.sleep(0)
            # One after the other, so the cancellations land at every point of a group's
            # commit: before it, while the results are handed out, after.
            for number, task in started.items():
                if not task.cancel():
                    finished.append(await task)  # it was done before the cancellation came
                    continue
                try:
                    await task
                except asyncio.CancelledError:
                    cancelled.append(number)
                else:
                    lost.append(number)
    assert lost == []
    assert cancelled  # the sweep did cancel units under way
    # A unit queued now runs after every one before it has committed or rolled back.
    await platform.db.run(unit(0))
    written = await rows(platform, select(users.c.email).where(users.c.email.like(f"%-{tag}@%")))
    per_unit: Counter[int] = Counter(int(r.email.split("-")[0][1:-1]) for r in written)
    assert set(per_unit.values()) <= {2}  # no unit half written
    assert set(finished) | {0} <= set(per_unit)  # every unit that returned was committed
