"""Reaching ClickHouse: parse CLICKHOUSE_URL and open a clickhouse-connect client.

Two kinds of target share one client library:

- ``chdb:///abs/path`` or ``chdb://relative/path`` (``chdb://:memory:`` for a throwaway engine):
  the real ClickHouse engine inside this process, through clickhouse-connect's chdb backend.
  chdb hosts ONE engine per process and locks its directory while open, so a store on a
  directory opens it for one call at a time (:mod:`restman_core.adapters.clickhouse.sharing`).
- ``http://[user:password@]host[:port]`` or ``https://...``: a ClickHouse server over HTTP(S),
  port 8123 / 8443 when not given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, ProgrammingError

from restman_core.errors import ConfigurationError, Unavailable
from restman_core.private_files import private_directory

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DEFAULT_PORTS = {"http": 8123, "https": 8443}
IN_MEMORY = ":memory:"


@dataclass(frozen=True, slots=True)
class ClickHouseTarget:
    """Where the analytics store lives. ``path`` is the chdb data directory (``None``: in
    memory) for embedded targets; the other fields describe an HTTP(S) server."""

    embedded: bool
    path: str | None = None
    host: str = ""
    port: int = 0
    secure: bool = False
    username: str = "default"
    password: str = field(default="", repr=False)


def parse_clickhouse_url(url: str) -> ClickHouseTarget:
    """Parse a ``chdb://`` or ``http(s)://`` URL; anything else raises ConfigurationError."""
    parts = urlsplit(url.strip())
    if parts.query or parts.fragment:
        raise ConfigurationError("CLICKHOUSE_URL must not carry a query string or fragment")
    if parts.scheme == "chdb":
        return _parse_embedded(parts.netloc, parts.path)
    if parts.scheme in _DEFAULT_PORTS:
        return _parse_server(parts)
    raise ConfigurationError("CLICKHOUSE_URL must start with chdb://, http:// or https://")


def _parse_embedded(netloc: str, path: str) -> ClickHouseTarget:
    if netloc == IN_MEMORY and path in ("", "/"):
        return ClickHouseTarget(embedded=True, path=None)
    if "@" in netloc:
        raise ConfigurationError("a chdb:// URL takes no user or password")
    # chdb:///abs/path has an empty netloc; chdb://relative/path puts the first segment there.
    location = unquote(netloc + path)
    if not location:
        raise ConfigurationError("a chdb:// URL needs a data directory, e.g. chdb:///var/restman")
    return ClickHouseTarget(embedded=True, path=location)


def _parse_server(parts: SplitResult) -> ClickHouseTarget:
    if parts.path not in ("", "/"):
        raise ConfigurationError("CLICKHOUSE_URL must not have a path; set the database apart")
    if not parts.hostname:
        raise ConfigurationError("CLICKHOUSE_URL needs a host name")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise ConfigurationError("CLICKHOUSE_URL has an invalid port") from exc
    return ClickHouseTarget(
        embedded=False,
        host=parts.hostname,
        port=port,
        secure=parts.scheme == "https",
        username=unquote(parts.username) if parts.username else "default",
        password=unquote(parts.password) if parts.password else "",
    )


def check_database_name(database: str) -> str:
    """Return ``database`` if it is a plain identifier; DDL cannot bind names as parameters, so
    only names that need no quoting are accepted."""
    if not _IDENTIFIER.match(database):
        raise ConfigurationError("the analytics database name must be a plain identifier")
    return database


def client_arguments(target: ClickHouseTarget, connect_timeout: int) -> dict[str, Any]:
    """Keyword arguments for ``clickhouse_connect.get_client`` that reach ``target``.

    Timestamps come back timezone-aware. Server clients run without a session id so that one
    client can serve concurrent calls from several threads.
    """
    if target.embedded:
        return {"interface": "chdb", "path": target.path, "tz_mode": "aware"}
    return {
        "interface": "https" if target.secure else "http",
        "host": target.host,
        "port": target.port,
        "username": target.username,
        "password": target.password,
        "connect_timeout": connect_timeout,
        "send_receive_timeout": max(connect_timeout, 60),
        "autogenerate_session_id": False,
        "tz_mode": "aware",
        "client_name": "restman",
    }


def connect(target: ClickHouseTarget, connect_timeout: int) -> Client:
    """Open a client on ``target`` (blocking: the client fetches server settings at once).

    Raises Unavailable when the server or engine cannot be reached (for an engine directory:
    when a program outside RestMan's lock holds it), ConfigurationError when the in-memory
    engine cannot start because this process has an engine open elsewhere.
    """
    try:
        if target.path is not None:
            private_directory(target.path)
        return clickhouse_connect.get_client(**client_arguments(target, connect_timeout))
    except ProgrammingError as exc:
        if target.path is not None:
            # RestMan's own processes take turns under the directory's file lock, so a refusal
            # here means some other program has the engine directory open.
            raise Unavailable(
                f"the embedded analytics engine at {target.path} is in use by a program that "
                "does not take RestMan's lock beside it; stop that program"
            ) from exc
        if target.embedded:
            raise ConfigurationError(
                "the in-memory analytics engine cannot start while this process has another "
                "engine open; close that store first (one embedded engine per process)"
            ) from exc
        raise Unavailable("the analytics store is unreachable") from exc
    except (ClickHouseError, OSError) as exc:
        raise Unavailable("the analytics store is unreachable") from exc
