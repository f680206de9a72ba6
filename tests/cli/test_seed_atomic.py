"""``restman seed demo`` never leaves half a data set: a run that cannot finish writes nothing
and says so, and a run finishes what an earlier one left unrecorded. The failures are real: an
analytics server that is not there, a PostgreSQL database that turns read-only mid-way."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import psycopg
import psycopg.sql
import pytest

from restman_cli.errors import EXIT_UNAVAILABLE
from restman_core.adapters.sql import migrate
from tests.cli.conftest import Cli
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.services import TEST_SECRET_KEY, require

# Refuses an order insert once the transaction has written ten: the database turning
# read-only in the middle of the seed, with the SQLSTATE a read-only server answers.
READ_ONLY_AFTER_TEN_ORDERS = """
CREATE FUNCTION refuse_after_ten() RETURNS trigger AS $$
BEGIN
  IF (SELECT count(*) FROM orders) >= 10 THEN
    RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction' USING ERRCODE = '25006';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_after_ten BEFORE INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION refuse_after_ten();
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_analytics_store_leaves_nothing_written(cli: Cli) -> None:
    result = cli.run(
        "seed", "demo", "--orders", "20", CLICKHOUSE_URL=f"http://127.0.0.1:{_closed_port()}"
    )
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert cli.json("restaurants", "list") == []
    assert cli.json("users", "list") == []
    # With the store back, the same command writes the whole set.
    report = cli.json("seed", "demo", "--orders", "20")
    assert report["orders_created"] == 20
    assert len(cli.json("restaurants", "list")) == 3


@pytest.fixture
def postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("seed") as url:
        in_thread(migrate.upgrade, url)
        yield url


def _counts(url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        for table in ("users", "restaurants", "foods", "orders", "bills", "kitchen_tickets"):
            query = psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            counts[table] = int(row[0])
    return counts


@pytest.mark.postgres
def test_a_database_failing_mid_way_leaves_nothing_then_a_rerun_writes_everything(
    cli: Cli, postgres_url: str
) -> None:
    pg = Cli(
        {**cli.env, "DATABASE_URL": postgres_url, "RESTMAN_SECRET_KEY": TEST_SECRET_KEY}, cli.cwd
    )
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(READ_ONLY_AFTER_TEN_ORDERS)
    failed = pg.run("seed", "demo", "--orders", "30")
    assert failed.exit_code == EXIT_UNAVAILABLE, failed.output
    assert "read-only" in failed.stderr
    assert "nothing was written" in failed.stderr
    assert "Traceback" not in failed.output
    assert set(_counts(postgres_url).values()) == {0}, _counts(postgres_url)

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER refuse_after_ten ON orders")
    report = pg.json("seed", "demo", "--orders", "30")
    assert report["orders_created"] == 30
    counts = _counts(postgres_url)
    assert counts["orders"] == counts["bills"] == 30
    assert counts["restaurants"] == 3

    # A second run adds nothing, and records the facts of every demo order again (an analytics
    # store that lost them is made whole; recording twice counts once).
    again = pg.json("seed", "demo", "--orders", "30")
    assert again["orders_created"] == 0
    assert again["orders_already_there"] == 30
    assert again["analytics_facts_recorded"] == 0
    assert again["analytics_facts_rerecorded"] == report["analytics_facts_recorded"]
    assert _counts(postgres_url) == counts


def test_a_rerun_records_the_facts_an_earlier_run_did_not(cli: Cli) -> None:
    data = cli.env["RESTMAN_DATA_DIR"]
    first = cli.json("seed", "demo", "--orders", "20")
    assert first["analytics_facts_recorded"] > 0
    # The analytics store is replaced by an empty one (lost, or never reached after commit).
    empty_store = f"chdb://{data}/analytics-replaced"
    again = cli.json("seed", "demo", "--orders", "20", CLICKHOUSE_URL=empty_store)
    assert again["orders_created"] == 0
    assert again["analytics_facts_rerecorded"] == first["analytics_facts_recorded"]
    revenue = json.loads(
        cli.ok("analytics", "revenue", "-o", "json", CLICKHOUSE_URL=empty_store).stdout
    )
    original = json.loads(cli.ok("analytics", "revenue", "-o", "json").stdout)
    assert revenue == original
    assert revenue, "the demo orders have revenue"
