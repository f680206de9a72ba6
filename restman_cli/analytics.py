"""``restman analytics top-foods|revenue|orders-by-status|kitchen-times|quote-errors``.

Reports come from the analytics store (ClickHouse, or its in-process engine) through
``platform.reports`` as the operator (admin), so who sees what and which periods are valid is
decided there, as for the API. Dates are UTC days and inclusive; without --from/--to a report
covers the last --days days (30) up to today.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypedDict

import typer

from restman_cli import analytics_rebuild
from restman_cli.charts import bar, sparkline
from restman_cli.output import Column, OutputFormat, OutputOption, emit_record, emit_rows, examples
from restman_cli.runtime import OPERATOR, execute, parse_day, parse_uuid
from restman_core.services.analytics import MAX_DAILY_DAYS
from restman_core.views import (
    day_revenue_view,
    kitchen_time_view,
    quote_error_view,
    revenue_view,
    status_count_view,
    top_food_view,
)

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Analytics reports, with inline charts.", no_args_is_help=True)

RESTAURANT = Annotated[str | None, typer.Option(help="Only this restaurant (default: all).")]
START = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (UTC).")]
END = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC).")]
DAYS = Annotated[int, typer.Option(min=1, max=3660, help="Window when --from is not given.")]


@dataclass(frozen=True, slots=True)
class Window:
    """The report's restaurant (None: all) and its days, from the command's options."""

    restaurant_id: uuid.UUID | None
    start: date
    end: date

    def view(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


class Query(TypedDict):
    """The keyword arguments every report of ``platform.reports`` takes."""

    restaurant_id: uuid.UUID | None
    start: date
    end: date


def _query(window: Window) -> Query:
    return Query(restaurant_id=window.restaurant_id, start=window.start, end=window.end)


def _window(restaurant: str | None, start: str | None, end: str | None, days: int) -> Window:
    last = parse_day(end, "--to") or datetime.now(UTC).date()
    first = parse_day(start, "--from") or last - timedelta(days=days - 1)
    # A usage error here, before anything opens; the service checks the period again.
    if first > last:
        raise typer.BadParameter("--from is after --to", param_hint="--from")
    restaurant_id = None if restaurant is None else parse_uuid(restaurant, "restaurant id")
    return Window(restaurant_id, first, last)


@app.command(
    "top-foods",
    epilog=examples(
        "restman analytics top-foods",
        "restman analytics top-foods --from 2026-01-01 --to 2026-01-31 --limit 5 -o json",
    ),
)
def top_foods(
    restaurant: RESTAURANT = None,
    start: START = None,
    end: END = None,
    days: DAYS = 30,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many foods.")] = 10,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Best sellers by quantity (cancelled orders excluded)."""
    window = _window(restaurant, start, end, days)

    async def work(platform: Platform) -> list[dict[str, Any]]:
        foods = await platform.reports.top_foods(OPERATOR, limit=limit, **_query(window))
        return [top_food_view(f) for f in foods]

    rows = execute(work)
    most = max((r["total_quantity"] for r in rows), default=0)
    columns = (
        Column("food_name", "food"),
        Column("total_quantity", "sold", justify="right"),
        Column("total_revenue", "revenue", justify="right"),
        Column("total_quantity", "", render=lambda q: f"[cyan]{bar(q, most)}[/]", markup=True),
    )
    if output is not OutputFormat.TABLE:
        columns = (Column("food_id", "food_id"), *columns[:3])
    emit_rows(rows, columns, output, title=f"Top foods {window.start} to {window.end}")


async def _daily_revenue(platform: Platform, window: Window) -> list[dict[str, Any]]:
    days = await platform.reports.daily_revenue(OPERATOR, **_query(window))
    return [day_revenue_view(day, summary) for day, summary in days]


@app.command(
    "revenue",
    epilog=examples(
        "restman analytics revenue --days 7", "restman analytics revenue --restaurant <id> -o json"
    ),
)
def revenue(
    restaurant: RESTAURANT = None,
    start: START = None,
    end: END = None,
    days: DAYS = 30,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Sales over the period (bills not cancelled) with a day-by-day sparkline."""
    window = _window(restaurant, start, end, days)

    async def work(platform: Platform) -> dict[str, Any]:
        summary = await platform.reports.revenue(OPERATOR, **_query(window))
        short = (window.end - window.start).days < MAX_DAILY_DAYS
        daily = await _daily_revenue(platform, window) if short else []
        return {**window.view(), **revenue_view(summary), "daily": daily}

    view = execute(work)
    if output is OutputFormat.TABLE and view["daily"]:
        view = {**view, "per day": sparkline([float(d["total_revenue"]) for d in view["daily"]])}
    emit_record(view, output, title="Revenue")


@app.command(
    "orders-by-status",
    epilog=examples("restman analytics orders-by-status --days 90"),
)
def orders_by_status(
    restaurant: RESTAURANT = None,
    start: START = None,
    end: END = None,
    days: DAYS = 30,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Orders placed in the period, counted by their latest status."""
    window = _window(restaurant, start, end, days)

    async def work(platform: Platform) -> list[dict[str, Any]]:
        counts = await platform.reports.orders_by_status(OPERATOR, **_query(window))
        return [status_count_view(c) for c in counts]

    rows = execute(work)
    most = max((r["count"] for r in rows), default=0)
    columns = (
        Column("status", "status"),
        Column("count", "orders", justify="right"),
        Column("count", "", render=lambda n: f"[magenta]{bar(n, most)}[/]", markup=True),
    )
    emit_rows(
        rows,
        columns if output is OutputFormat.TABLE else columns[:2],
        output,
        title="Orders by status",
    )


@app.command(
    "kitchen-times",
    epilog=examples("restman analytics kitchen-times --restaurant <id> --days 14"),
)
def kitchen_times(
    restaurant: RESTAURANT = None,
    start: START = None,
    end: END = None,
    days: DAYS = 30,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Kitchen times: NEW to READY per station and day.

    JSON and CSV give every station and day (mean and 90th percentile, seconds); the table
    sums up each station with a sparkline of its daily means.
    """
    window = _window(restaurant, start, end, days)

    async def work(platform: Platform) -> list[dict[str, Any]]:
        times = await platform.reports.kitchen_times(OPERATOR, **_query(window))
        return [kitchen_time_view(t) for t in times]

    rows = execute(work)
    if output is not OutputFormat.TABLE:
        columns = [
            Column(k, k) for k in ("station", "day", "tickets", "average_seconds", "p90_seconds")
        ]
        emit_rows(rows, columns, output)
        return
    emit_rows(_station_summary(rows), STATION_COLUMNS, output, title="Kitchen times by station")


@app.command(
    "quote-errors",
    epilog=examples("restman analytics quote-errors --restaurant <id> --days 7 -o json"),
)
def quote_errors(
    restaurant: RESTAURANT = None,
    start: START = None,
    end: END = None,
    days: DAYS = 30,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Quote error: how far ready times fell from the quoted ready times (seconds, positive
    when late), median and 90th percentile, over every restaurant and then per restaurant.

    The first row (restaurant "all") covers the whole report; its figures are empty when no
    quoted order placed in the period was ready. The same figures as
    ``GET /api/analytics/kitchen-times?quote_error=true``.
    """
    window = _window(restaurant, start, end, days)

    async def work(platform: Platform) -> list[dict[str, Any]]:
        errors = await platform.reports.quote_errors(OPERATOR, **_query(window))
        return [{"restaurant_id": "all", **quote_error_view(e)} for e in errors[:1]] + [
            quote_error_view(e) for e in errors[1:]
        ]

    emit_rows(execute(work), QUOTE_COLUMNS, output, title="Quote error (seconds, + is late)")


QUOTE_COLUMNS = (
    Column("quoted_orders", "quoted orders", justify="right"),
    Column("quote_error_p50_seconds", "p50 s", justify="right"),
    Column("quote_error_p90_seconds", "p90 s", justify="right"),
    Column("restaurant_id", "restaurant"),
)


STATION_COLUMNS = (
    Column("station", "station"),
    Column("tickets", "tickets", justify="right"),
    Column("average_seconds", "mean s", justify="right"),
    Column("p90_seconds", "worst-day p90 s", justify="right"),
    Column("trend", "daily mean"),
)


def _station_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per station: tickets, ticket-weighted mean, the worst day's p90, and the daily trend."""
    by_station: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_station[row["station"]].append(row)
    summary = []
    for station, days in sorted(by_station.items()):
        days.sort(key=lambda r: r["day"])
        tickets = sum(r["tickets"] for r in days)
        mean = sum(r["average_seconds"] * r["tickets"] for r in days) / tickets if tickets else 0.0
        summary.append(
            {
                "station": station,
                "tickets": tickets,
                "average_seconds": f"{mean:.1f}",
                "p90_seconds": f"{max(r['p90_seconds'] for r in days):.1f}",
                "trend": f"[green]{sparkline([r['average_seconds'] for r in days])}[/]",
            }
        )
    return summary


__all__ = ["app", "uuid"]


analytics_rebuild.register(app)
