"""The one migration history: from empty to head and back on SQLite and PostgreSQL, no
difference between the migrated schema and the models, and DDL for the CockroachDB dialect."""

from __future__ import annotations

import importlib
import io
import itertools
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex, CreateTable

import restman_core.adapters.sql
from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.schema import metadata
from restman_core.adapters.sql.urls import async_url, sqlite_url
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.services import require

SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def load_every_model() -> None:
    """Import every module of the SQL adapter, so that every table any of them defines is on
    ``metadata`` whatever else this test session happened to import first: a table defined in
    code but missing from the migrations is then always a difference."""
    package = restman_core.adapters.sql
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


load_every_model()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nothing has been migrated into yet."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("mig_") as url:
        yield url


def sync_engine(url: str) -> Engine:
    target = async_url(url)
    return create_engine(target.set(drivername=SYNC_DRIVERS[target.get_backend_name()]))


def schema_differences(url: str) -> list[object]:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sync_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_history_is_one_line_ending_at_head() -> None:
    history = migrate.history()
    assert history, "no migrations"
    assert history[0][0] == migrate.head_revision()
    assert history[-1][1] is None  # the first migration starts from empty
    for newer, older in itertools.pairwise(history):
        assert newer[1] == older[0]


def test_upgrade_from_empty_to_head_matches_the_models(empty_url: str) -> None:
    assert migrate.current_revision(empty_url) is None
    in_thread(migrate.upgrade, empty_url)
    assert migrate.current_revision(empty_url) == migrate.head_revision()
    assert table_names(empty_url) == set(metadata.tables) | {"alembic_version"}
    assert schema_differences(empty_url) == []

    in_thread(migrate.downgrade, empty_url, "base")
    assert table_names(empty_url) <= {"alembic_version"}
    assert migrate.current_revision(empty_url) is None
    # And up again: the downgrade left nothing behind that blocks a new upgrade.
    in_thread(migrate.upgrade, empty_url)
    assert migrate.current_revision(empty_url) == migrate.head_revision()


def test_upgrading_twice_is_harmless(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "twice.db")
    in_thread(migrate.upgrade, url)
    in_thread(migrate.upgrade, url)
    assert migrate.current_revision(url) == migrate.head_revision()


def cockroach_dialect() -> object:
    from sqlalchemy_cockroachdb.psycopg import CockroachDBDialect_psycopg

    return CockroachDBDialect_psycopg()


@pytest.mark.parametrize("table", sorted(metadata.tables))
def test_every_table_compiles_for_cockroachdb(table: str) -> None:
    dialect = cockroach_dialect()
    model = metadata.tables[table]
    ddl = str(CreateTable(model).compile(dialect=dialect))  # type: ignore[arg-type]
    assert ddl.strip().startswith(f"CREATE TABLE {table} (")
    assert f"CONSTRAINT pk_{table} PRIMARY KEY" in ddl
    for column in model.columns:
        assert column.name in ddl
    for index in model.indexes:
        assert str(CreateIndex(index).compile(dialect=dialect)).startswith("CREATE")  # type: ignore[arg-type]


def test_money_and_ids_keep_their_types_on_cockroachdb() -> None:
    ddl = str(CreateTable(metadata.tables["bills"]).compile(dialect=cockroach_dialect()))  # type: ignore[arg-type]
    assert "id UUID NOT NULL" in ddl
    assert "total_amount NUMERIC(12, 2) NOT NULL" in ddl
    assert "TIMESTAMP WITH TIME ZONE" in ddl


def test_the_whole_migration_renders_for_cockroachdb() -> None:
    """Offline mode: the head migration as SQL for the cockroachdb dialect, without a server."""
    config = migrate.alembic_config("cockroachdb://root@h:26257/db?sslmode=disable")
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, "head", sql=True)
    sql = buffer.getvalue()
    for table in metadata.tables:
        assert f"CREATE TABLE {table} (" in sql
    last_stamp = sql[sql.rindex("alembic_version SET") :]
    assert f"version_num='{migrate.head_revision()}'" in last_stamp
