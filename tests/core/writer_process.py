"""A second process on one SQLite file, for the single writer's tests: it adds 1 to a counter
row ``times`` times, each time as its own unit of work that reads the counter and writes it
back (a lost update would show in the total).

Usage: ``python -m tests.core.writer_process <sqlite url> <counter name> <times>``
"""

from __future__ import annotations

import asyncio
import sys

from restman_core.adapters.sql.database import open_database
from tests.core.writer_counter import bump


async def main(url: str, name: str, times: int) -> None:
    db = open_database(url)
    try:
        await asyncio.gather(*(bump(db, name) for _ in range(times)))
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
