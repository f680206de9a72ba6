"""Whether the distributed workers keep up with the order load, read from the database.

:class:`BacklogWatch` counts, every ``every`` seconds on its own thread, the orders placed and
the orders that have their kitchen ticket and their bill (the effects of ``restman worker all``).
The backlog is the orders still missing one of them. Started before the load, it records the
largest backlog seen; :meth:`catch_up` then waits (bounded) until the backlog is zero and says
how long that took after the load ended.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg

COUNTS = """
SELECT (SELECT count(*) FROM orders),
       (SELECT count(DISTINCT order_id) FROM kitchen_tickets),
       (SELECT count(*) FROM bills)
"""


@dataclass
class PipelineReport:
    orders: int = 0
    ticketed: int = 0
    billed: int = 0
    max_backlog: int = 0
    catch_up_seconds: float | None = None  # None: not caught up within the bound
    error: str | None = None  # why the counting stopped, if it did

    @property
    def backlog(self) -> int:
        return self.orders - min(self.ticketed, self.billed)


class BacklogWatch:
    def __init__(self, database_url: str, every: float = 0.25) -> None:
        self._url, self._every = database_url, every
        self.report = PipelineReport()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="backlog-watch", daemon=True)

    def _sample(self, conn: psycopg.Connection[tuple[int, ...]]) -> None:
        row = conn.execute(COUNTS).fetchone()
        if row is None:
            return
        with self._lock:
            self.report.orders, self.report.ticketed, self.report.billed = row
            self.report.max_backlog = max(self.report.max_backlog, self.report.backlog)

    def _run(self) -> None:
        try:
            with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                while not self._stop.is_set():
                    self._sample(conn)
                    self._stop.wait(self._every)
        except psycopg.Error as exc:
            self.report.error = str(exc).strip() or type(exc).__name__

    def start(self) -> None:
        self._thread.start()

    def catch_up(self, timeout: float, since: float) -> PipelineReport:
        """After the load (which ended at monotonic time ``since``): wait until every order has
        its ticket and bill, at most ``timeout`` seconds."""
        ended = since
        try:
            while time.monotonic() - ended < timeout and self._thread.is_alive():
                with self._lock:
                    if self.report.orders and self.report.backlog == 0:
                        self.report.catch_up_seconds = time.monotonic() - ended
                        break
                time.sleep(self._every / 2)
        finally:
            self.stop()
        return self.report

    def stop(self) -> None:
        """End the sampling thread; safe to call twice."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def wait_for_ticket(
    database_url: str, order_id: str, timeout: float, *, with_bill: bool = False
) -> bool:
    """True once the order has a kitchen ticket (the workers joined and consume), and with
    ``with_bill`` its bill too (the billing group joined as well), within ``timeout`` seconds."""
    query = "SELECT 1 FROM kitchen_tickets WHERE order_id = %s"
    if with_bill:
        query += " AND EXISTS (SELECT 1 FROM bills WHERE order_id = %s)"
    params = (order_id, order_id) if with_bill else (order_id,)
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        while time.monotonic() < deadline:
            if conn.execute(query, params).fetchone():
                return True
            time.sleep(0.2)
    return False
