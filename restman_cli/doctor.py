"""``restman doctor``: is this installation able to run?

One line per concern (configuration, secret key, database and schema, Redis, Kafka and its
topics, analytics, mail), each with a verdict and, when something is wrong, a hint that fits how
that concern is configured (see :mod:`restman_cli.doctor_checks`). Concerns left unconfigured
use their embedded implementation and are checked as such. The command exits 1 when any check
fails, so it can gate a deployment.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict

import typer

from restman_cli.errors import EXIT_FAILED, reported_errors
from restman_cli.output import Column as OutputColumn
from restman_cli.output import OutputFormat, OutputOption, emit_rows, examples

EXAMPLES = examples("restman doctor", "REDIS_URL=redis://cache:6379/0 restman doctor -o json")


def doctor(output: OutputOption = OutputFormat.TABLE) -> None:
    """Check the configuration and every configured backend.

    One line each with a verdict and, for a problem, a hint. Exits 1 when any check fails.
    """
    from pydantic import ValidationError

    from restman_cli.doctor_checks import Check, Verdict
    from restman_cli.doctor_run import print_lines, run_checks
    from restman_core.config import load_settings

    try:
        settings = load_settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors())
        checks = [Check("configuration", Verdict.FAIL, problems, "fix the environment or .env")]
    else:
        with reported_errors():
            checks = asyncio.run(run_checks(settings))
    if output is OutputFormat.TABLE:
        print_lines(checks)
    else:
        columns = [OutputColumn(k, k) for k in ("check", "verdict", "detail", "hint")]
        emit_rows([asdict(c) for c in checks], columns, output)
    if any(c.verdict is Verdict.FAIL for c in checks):
        print("some checks failed", file=sys.stderr)
        raise typer.Exit(EXIT_FAILED)
