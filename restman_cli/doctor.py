"""``restman doctor``: is this installation able to run?

One line per concern (configuration, database and schema, Redis, Kafka and its topics,
analytics, mail), each with a verdict and, when something is wrong, a hint. Concerns left
unconfigured use their embedded implementation and are checked as such. The command exits 1
when any check fails, so it can gate a deployment.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

import typer
from pydantic import ValidationError

from restman_cli.errors import EXIT_FAILED, reported_errors
from restman_cli.output import Column as OutputColumn
from restman_cli.output import OutputFormat, OutputOption, emit_rows, examples, stdout
from restman_core import maintenance
from restman_core.bootstrap import Platform, analytics_url, bootstrap, database_url
from restman_core.config import Settings, load_settings
from restman_core.domain.events import TOPICS
from restman_core.errors import RestmanError

EXAMPLES = examples("restman doctor", "REDIS_URL=redis://cache:6379/0 restman doctor -o json")
CHECK_TIMEOUT_SECONDS = 15.0


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check; ``hint`` says what to do about a warning or failure."""

    check: str
    verdict: Verdict
    detail: str
    hint: str = ""


_MARKS = {
    Verdict.OK: "[green]✔ ok  [/]",
    Verdict.WARN: "[yellow]! warn[/]",
    Verdict.FAIL: "[red]✘ FAIL[/]",
}


async def _guard(name: str, hint: str, probe: Callable[[], Awaitable[Check]]) -> Check:
    """Run one probe; a core error or a timeout becomes a failed check carrying ``hint``."""
    try:
        return await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except RestmanError as error:
        return Check(name, Verdict.FAIL, error.message, hint)
    except TimeoutError:
        return Check(name, Verdict.FAIL, f"no answer within {CHECK_TIMEOUT_SECONDS:.0f} s", hint)


async def _database(platform: Platform) -> Check:
    await platform.db.ping()
    state = await maintenance.schema_state(platform.settings)
    where = maintenance.masked_url(database_url(platform.settings))
    if state.at_head:
        return Check("database", Verdict.OK, f"{where} (schema {state.current}, newest)")
    detail = f"{where} (schema {state.current or 'empty'}, newest is {state.head})"
    if platform.embedded:
        return Check("database", Verdict.OK, detail + "; migrated automatically on start")
    return Check("database", Verdict.FAIL, detail, "run `restman db upgrade`")


async def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", Verdict.OK, "not configured: sessions in SQL, in-process cache")
    await maintenance.check_redis(settings.redis_url)
    return Check("redis", Verdict.OK, maintenance.masked_url(settings.redis_url))


async def _kafka(settings: Settings) -> Check:
    if not settings.kafka_brokers:
        return Check("kafka", Verdict.OK, "not configured: events dispatched in-process")
    topics = await maintenance.kafka_topics(settings.kafka_brokers, settings=settings)
    missing = [t for t in TOPICS if t not in topics]
    if missing:
        return Check(
            "kafka",
            Verdict.WARN,
            f"{settings.kafka_brokers}: missing topics {', '.join(missing)}",
            "the API and workers create missing topics when they start",
        )
    return Check("kafka", Verdict.OK, f"{settings.kafka_brokers}: topics {', '.join(TOPICS)}")


# The relay publishes within a second normally; a minute means it is stuck or the broker is down.
BACKLOG_WARN_SECONDS = 60.0


async def _events(platform: Platform) -> Check:
    """How far behind the relay is (unpublished outbox rows and the oldest one's age)."""
    if not (await maintenance.schema_state(platform.settings)).at_head:
        return Check("events", Verdict.OK, "no event log to check until the schema is migrated")
    rows, age = await maintenance.event_backlog(platform.db, platform.clock.now())
    detail = f"{rows} events unpublished" + (f", the oldest waiting {age:.0f} s" if rows else "")
    if rows and age > BACKLOG_WARN_SECONDS:
        hint = "is the relay running (`restman worker relay`), and is the broker reachable?"
        return Check("events", Verdict.WARN, detail, hint)
    return Check("events", Verdict.OK, detail)


async def _analytics(platform: Platform) -> Check:
    store = await platform.analytics()
    await store.health()
    return Check("analytics", Verdict.OK, maintenance.masked_url(analytics_url(platform.settings)))


async def _mail(settings: Settings) -> Check:
    if not settings.smtp_host:
        return Check(
            "mail", Verdict.OK, f"not configured: .eml files in {settings.mail_outbox_dir}"
        )
    greeting = await maintenance.check_smtp(settings)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    return Check("mail", Verdict.OK, f"{where} answers: {greeting[:60]}")


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; backends that need the platform are skipped when it cannot be
    built (the database line then says why)."""
    checks = [Check("configuration", Verdict.OK, "settings are valid")]
    platform: Platform | None = None
    try:
        platform = await bootstrap(settings, migrate_embedded=False)
    except RestmanError as error:
        checks.append(Check("database", Verdict.FAIL, error.message, "check DATABASE_URL"))
    try:
        if platform is not None:
            db_hint = "is the database server running, and is DATABASE_URL right?"
            checks.append(await _guard("database", db_hint, lambda: _database(platform)))
        redis_hint = "start Redis or fix REDIS_URL (unset it to use the embedded store)"
        checks.append(await _guard("redis", redis_hint, lambda: _redis(settings)))
        kafka_hint = "start the brokers or fix KAFKA_BROKERS (unset it for in-process events)"
        checks.append(await _guard("kafka", kafka_hint, lambda: _kafka(settings)))
        if platform is not None:
            events_hint = "is the database reachable and migrated?"
            checks.append(await _guard("events", events_hint, lambda: _events(platform)))
        if platform is not None:
            ch_hint = "start ClickHouse or fix CLICKHOUSE_URL (unset it for the embedded engine)"
            checks.append(await _guard("analytics", ch_hint, lambda: _analytics(platform)))
        mail_hint = "check SMTP_HOST, SMTP_PORT and the SMTP login"
        checks.append(await _guard("mail", mail_hint, lambda: _mail(settings)))
    finally:
        if platform is not None:
            await platform.close()
    return checks


def _print_lines(checks: list[Check]) -> None:
    console = stdout()
    width = max(len(c.check) for c in checks)
    for c in checks:
        hint = f" [dim]— hint: {c.hint}[/]" if c.hint and c.verdict is not Verdict.OK else ""
        line = f"{_MARKS[c.verdict]} {c.check:<{width}}  {c.detail}{hint}"
        console.print(line, highlight=False, soft_wrap=True)


def doctor(output: OutputOption = OutputFormat.TABLE) -> None:
    """Check the configuration and every configured backend.

    One line each with a verdict and, for a problem, a hint. Exits 1 when any check fails.
    """
    try:
        settings = load_settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors())
        checks = [Check("configuration", Verdict.FAIL, problems, "fix the environment or .env")]
    else:
        with reported_errors():
            checks = asyncio.run(run_checks(settings))
    if output is OutputFormat.TABLE:
        _print_lines(checks)
    else:
        columns = [OutputColumn(k, k) for k in ("check", "verdict", "detail", "hint")]
        emit_rows([asdict(c) for c in checks], columns, output)
    if any(c.verdict is Verdict.FAIL for c in checks):
        print("some checks failed", file=sys.stderr)
        raise typer.Exit(EXIT_FAILED)
