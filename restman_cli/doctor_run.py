"""Running the checks of ``restman doctor`` and printing them (see :mod:`restman_cli.doctor`).

Imported only when the command runs: it needs the bootstrap, the settings and pydantic.
"""

from __future__ import annotations

import secrets
from functools import partial

from pydantic import SecretStr
from rich.markup import escape

from restman_cli import doctor_checks as checks_of
from restman_cli.doctor_checks import Check, Verdict, guard
from restman_cli.output import stdout
from restman_core.bootstrap import Platform, bootstrap
from restman_core.config import Settings
from restman_core.errors import RestmanError

_MARKS = {
    Verdict.OK: "[green]✔ ok  [/]",
    Verdict.WARN: "[yellow]! warn[/]",
    Verdict.FAIL: "[red]✘ FAIL[/]",
}


async def _open_platform(settings: Settings, key: Check) -> tuple[Platform | None, Check | None]:
    """The platform to probe the backends through, or the database check saying why it could
    not be built. A missing or bad secret key is reported on its own line; the backends are
    still probed, with a throw-away key that never hashes anything that is kept."""
    if key.verdict is Verdict.FAIL:
        settings = settings.model_copy(
            update={"secret_key": SecretStr(secrets.token_hex(32)), "secret_key_previous": None}
        )
    hints = checks_of.database_hints(settings)
    try:
        return await bootstrap(settings, migrate_embedded=False), None
    except RestmanError as error:
        return None, Check("database", Verdict.FAIL, error.message, hints.for_error(error))
    except OSError as error:
        where = settings.data_dir.resolve()
        detail = f"the data directory {where} cannot be used ({error.strerror or error})"
        return None, Check(
            "database", Verdict.FAIL, detail, "make it a writable directory or set RESTMAN_DATA_DIR"
        )


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; the database and analytics are skipped when the platform cannot
    be built (the database line then says why)."""
    key = checks_of.secret_key_check(settings)
    checks = [Check("configuration", Verdict.OK, "settings are valid"), key]
    platform, refused = await _open_platform(settings, key)
    try:
        if refused is not None:
            checks.append(refused)
        if platform is not None:
            db_hints = checks_of.database_hints(settings)
            checks.append(await guard("database", db_hints, partial(checks_of.database, platform)))
        checks.append(
            await guard("redis", checks_of.REDIS_HINTS, partial(checks_of.redis, settings))
        )
        checks.append(
            await guard("kafka", checks_of.KAFKA_HINTS, partial(checks_of.kafka, settings))
        )
        if platform is not None:
            events = partial(checks_of.events, platform)
            checks.append(await guard("events", checks_of.EVENTS_HINTS, events))
            ch_hints = checks_of.analytics_hints(settings)
            probe = partial(checks_of.analytics, platform)
            checks.append(await guard("analytics", ch_hints, probe))
        mail_hints = checks_of.mail_hints(settings)
        checks.append(await guard("mail", mail_hints, partial(checks_of.mail, settings)))
    finally:
        if platform is not None:
            await platform.close()
    return checks


def print_lines(checks: list[Check]) -> None:
    console = stdout()
    width = max(len(c.check) for c in checks)
    for c in checks:
        # Details and hints quote backends' own messages and URLs: text, never markup.
        hint = (
            f" [dim]— hint: {escape(c.hint)}[/]" if c.hint and c.verdict is not Verdict.OK else ""
        )
        line = f"{_MARKS[c.verdict]} {c.check:<{width}}  {escape(c.detail)}{hint}"
        console.print(line, highlight=False, soft_wrap=True)
