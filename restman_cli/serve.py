"""``restman serve``: run the HTTP API on a production ASGI server.

The server process imports the app through the factory
``restman_api.app:app_from_environment``, so settings come from the environment (and ``.env``)
in every worker. With ``--workers N`` each worker is a process: metrics are aggregated through
``PROMETHEUS_MULTIPROC_DIR`` and the embedded event pipeline runs in exactly one of them (see
:mod:`restman_api.pipeline`).

The server is uvicorn (with uvloop and httptools) unless ``RESTMAN_SERVER=granian``;
``bench/throughput.py`` measures it beside a bare Litestar app (see bench/README.md).
"""

from __future__ import annotations

import os
import shutil
import sys

from restman_cli.errors import EXIT_ADDRESS_IN_USE, fail
from restman_cli.serve_preflight import AddressUnavailable, preflight
from restman_core.config import Settings, load_settings
from restman_core.private_files import private_directory
from restman_core.redaction import mask_url

APP_FACTORY = "restman_api.app:app_from_environment"
GRANIAN_APP_FACTORY = "restman_api.app:granian_app_from_environment"
SERVER_ENV = "RESTMAN_SERVER"
SERVERS = ("uvicorn", "granian")


def describe(settings: Settings) -> list[str]:
    """Where data, events, sign-in state, analytics and mail go, one line each."""
    data = settings.data_dir.resolve()
    database = (
        mask_url(settings.database_url)
        if settings.database_url
        else (f"SQLite file {settings.sqlite_path.resolve()}")
    )
    return [
        f"data directory: {data}",
        f"database:       {database}",
        "events:         "
        + (
            f"Kafka at {settings.kafka_brokers}"
            if settings.kafka_brokers
            else "outbox table, consumers in this server"
        ),
        "sessions/cache: "
        + (
            mask_url(settings.redis_url)
            if settings.redis_url
            else "database tables + in-process cache"
        ),
        "analytics:      "
        + (
            mask_url(settings.clickhouse_url)
            if settings.clickhouse_url
            else f"in-process ClickHouse under {settings.analytics_dir.resolve()}"
        ),
        "mail:           "
        + (
            f"SMTP {settings.smtp_host}:{settings.smtp_port}"
            if settings.smtp_host
            else f".eml files in {settings.mail_outbox_dir.resolve()}"
        ),
    ]


def _prepare_metrics_dir(settings: Settings, workers: int) -> None:
    """Several worker processes share metrics through files; start them empty."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    directory = settings.data_dir.resolve() / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    private_directory(directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _server_name() -> str:
    name = os.environ.get(SERVER_ENV, "uvicorn").strip().lower() or "uvicorn"
    if name not in SERVERS:
        raise SystemExit(f"{SERVER_ENV} must be one of {', '.join(SERVERS)}, not {name!r}")
    return name


def _run_uvicorn(
    settings: Settings, host: str, port: int, workers: int, reload: bool, level: str
) -> None:
    import uvicorn

    from restman_cli.header_deadline import DEADLINE_ENV, HeaderDeadlineProtocol

    # Every worker process's protocol reads the header deadline from here (.env included).
    os.environ[DEADLINE_ENV] = str(settings.body_timeout_seconds)
    trusted = list(settings.trusted_proxies)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_config=None,
        log_level=level.lower(),
        access_log=False,  # the app writes its own JSON access log with the request id
        timeout_graceful_shutdown=5,
        # X-Forwarded-For is believed only from the configured proxies: uvicorn's default
        # (loopback) would let anything on this machine, or behind a sidecar, pick its address
        # and dodge the per-address sign-in limit.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
        # Slow clients hold connections: past this many, new ones get 503 instead of starving
        # the rest (the body deadline, restman_api.body_deadline, frees stalled ones).
        limit_concurrency=settings.max_connections,
        # Headers that never finish are cut off too (restman_cli.header_deadline).
        http=HeaderDeadlineProtocol,
    )


def _run_granian(
    settings: Settings, host: str, port: int, workers: int, reload: bool, level: str
) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        # granian has no proxy-header option; this factory wraps the app in granian's own
        # X-Forwarded-For middleware with RESTMAN_TRUSTED_PROXIES (and nothing when empty).
        GRANIAN_APP_FACTORY,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        reload=reload,
        log_enabled=True,
        log_access=False,
        backpressure=settings.max_connections,
    ).serve()


def serve(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, reload: bool = False
) -> None:
    """Run the API until interrupted, after saying where everything goes.

    Refuses before printing anything: a configuration that cannot work (ConfigurationError,
    exit 10) or an address it cannot listen on (exit 11), each in one line on stderr."""
    settings = load_settings()
    server = _server_name()
    try:
        preflight(settings, host, port)
    except AddressUnavailable as error:
        fail(str(error), EXIT_ADDRESS_IN_USE)
    _prepare_metrics_dir(settings, workers)
    # Without Redis each worker keeps its own menu cache; each checks the menu versions in the
    # shared database every half second, so the caches stay on with any number of workers.
    print(f"RestMan API on http://{host}:{port} ({server}, {workers} worker(s))", file=sys.stderr)
    for line in describe(settings):
        print(f"  {line}", file=sys.stderr)
    print(f"  API docs:       http://{host}:{port}/schema", file=sys.stderr)
    runner = _run_granian if server == "granian" else _run_uvicorn
    runner(settings, host, port, workers, reload, settings.log_level)
