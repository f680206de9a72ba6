"""The only place that reads :class:`Settings` and picks adapters.

``bootstrap(settings)`` builds a :class:`Platform`: the database, the cache, the mailer and the
use-case services wired to them. An unset URL means the embedded adapter for that concern (see
docs/architecture.md, section 2). Nothing connects at import time; analytics opens on first use
because the in-process engine takes about a second to start.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from restman_core.adapters.clickhouse.store import open_analytics_store
from restman_core.adapters.local.cache import LocalCache, VersionOf
from restman_core.adapters.local.mail import OutboxMailer
from restman_core.adapters.local.near_cache import NearCache
from restman_core.adapters.redis import (
    RedisCache,
    RedisCodeStore,
    RedisRateLimiter,
    RedisSessionStore,
    open_redis,
)
from restman_core.adapters.smtp.mailer import SmtpMailer
from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.auth_sessions import SqlSessionStore
from restman_core.adapters.sql.auth_state import SqlCodeStore, SqlRateLimiter
from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.readers import open_reader_engine, owns_reader
from restman_core.adapters.sql.ticket_feed import open_ticket_feed
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.bootstrap_events import drain
from restman_core.bootstrap_keys import secret_keys
from restman_core.config import Settings, load_settings
from restman_core.domain.auth import AuthPolicy
from restman_core.domain.clock import Clock, SystemClock
from restman_core.errors import Unavailable
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.cache import Cache
from restman_core.ports.mail import Mailer
from restman_core.ports.sessions import CodeStore, RateLimiter, SessionStore
from restman_core.private_files import private_directory, private_sqlite
from restman_core.services.accounts import AccountService
from restman_core.services.analytics import AnalyticsService
from restman_core.services.auth import AuthService
from restman_core.services.bill_money import MoneyService
from restman_core.services.billing import BillingService
from restman_core.services.expo import ExpoService
from restman_core.services.kitchen import KitchenService
from restman_core.services.menu_common import restaurant_of_menu_key
from restman_core.services.menu_import import MenuImportService
from restman_core.services.menus import MenuService
from restman_core.services.modifiers import ModifierService
from restman_core.services.orders import OrderService
from restman_core.services.staff import StaffService
from restman_core.services.staff_menu import StaffMenuService
from restman_core.services.ticket_feed import TicketFeedService
from restman_core.services.users import UserDirectory

log = logging.getLogger(__name__)


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded SQLite file under the data directory."""
    return settings.database_url or sqlite_url(settings.sqlite_path.resolve())


def private_embedded_files(settings: Settings, url: str) -> None:
    """The data directory 0700 and an embedded SQLite file 0600 (with its -wal and -shm),
    before anything writes to them (see :mod:`restman_core.private_files`)."""
    private_directory(settings.data_dir)
    target = make_url(url)
    if target.get_backend_name() == "sqlite" and target.database:
        private_sqlite(Path(target.database))


def analytics_url(settings: Settings) -> str:
    """The configured ClickHouse server, or the in-process engine under the data directory."""
    return settings.clickhouse_url or f"chdb://{settings.analytics_dir.resolve()}"


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when SMTP_HOST is set, otherwise .eml files under <data>/outbox/."""
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            password,
            settings.smtp_from,
            settings.smtp_timeout_seconds,
        )
    return OutboxMailer(settings.mail_outbox_dir, sender=settings.smtp_from)


@dataclass
class Platform:
    """Everything a front end or worker needs, built from one Settings."""

    settings: Settings
    clock: Clock
    db: SqlDatabase
    cache: Cache
    mailer: Mailer
    menus: MenuService
    modifiers: ModifierService
    staff_menu: StaffMenuService
    menu_import: MenuImportService
    orders: OrderService
    kitchen: KitchenService
    billing: BillingService
    money: MoneyService
    users: UserDirectory
    auth: AuthService
    staff: StaffService
    accounts: AccountService
    state: SignInState
    extras: dict[str, Any] = field(default_factory=dict)
    _analytics: AnalyticsStore | None = None
    _analytics_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _closed: bool = False
    # Built from the fields above rather than passed in: the reports read the lazily opened
    # store through :meth:`analytics`.
    reports: AnalyticsService = field(init=False)
    # The expediter's use cases complete orders, so they are built on the order service.
    expo: ExpoService = field(init=False)

    def __post_init__(self) -> None:
        self.reports = AnalyticsService(self.db, self.analytics)
        self.expo = ExpoService(self.db, self.clock, self.orders)

    @property
    def embedded(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.db.dialect == "sqlite"

    async def analytics(self) -> AnalyticsStore:
        """The analytics store, opened (and its schema ensured) on first use. Raises
        Unavailable once the platform is closed: a worker that outlived its platform must not
        reopen the engine (it is one per process, and would stay open)."""
        async with self._analytics_lock:
            if self._closed:
                raise Unavailable("analytics: the platform is closed")
            if self._analytics is None:
                url = analytics_url(self.settings)
                store = await asyncio.to_thread(
                    open_analytics_store, url, self.settings.clickhouse_database
                )
                await store.ensure_schema()
                self._analytics = store
            return self._analytics

    async def process_events(self, *, timeout_seconds: float = 60.0) -> None:
        """Embedded mode: run the event pipeline until every event so far has had its effect
        (tickets and bills opened, orders moved, mail sent, analytics written), then stop it.
        ``restman serve`` runs the pipeline continuously; this is for embedding programs."""
        await drain(self, timeout_seconds=timeout_seconds)

    async def close(self) -> None:
        """Release connections and engines; safe to call twice."""
        async with self._analytics_lock:
            self._closed = True
            if self._analytics is not None:
                await self._analytics.close()
                self._analytics = None
        await self.mailer.close()
        await self.state.close()
        await self.db.close()


def auth_policy(settings: Settings) -> AuthPolicy:
    """The sign-in rules, from the settings."""
    return AuthPolicy(
        code_length=settings.otp_length,
        code_expiry_seconds=settings.otp_expiry_seconds,
        resend_seconds=settings.otp_resend_seconds,
        max_attempts=settings.otp_max_attempts,
        lockout_seconds=settings.otp_lockout_seconds,
        rate_limit_per_email=settings.auth_rate_limit_per_email,
        rate_limit_per_address=settings.auth_rate_limit_per_address,
        rate_limit_window_seconds=settings.auth_rate_limit_window_seconds,
        session_lifetime_seconds=settings.session_expiry_seconds,
        session_idle_seconds=settings.session_idle_seconds,
        allow_owner_signup=settings.allow_owner_signup,
    )


@dataclass
class SignInState:
    """Where codes, sessions, rate limits and the menu cache live: Redis when REDIS_URL is set
    (the menu cache with a copy of each hot menu kept in-process for up to a second), otherwise
    SQL tables plus an in-process cache that checks the menu versions in SQL at most every
    quarter second. Either way an edit by any process is served everywhere within a second."""

    codes: CodeStore
    sessions: SessionStore
    limiter: RateLimiter
    cache: Cache
    redis: Any = None
    engines: list[Any] = field(default_factory=list)
    """Engines of its own (the SQL session store's reader), disposed of on close."""

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        engines, self.engines = self.engines, []
        for engine in engines:
            await engine.dispose()


def build_sign_in_state(settings: Settings, db: SqlDatabase) -> SignInState:
    if settings.redis_url:
        client = open_redis(settings.redis_url)
        return SignInState(
            codes=RedisCodeStore(client),
            sessions=RedisSessionStore(client),
            limiter=RedisRateLimiter(client),
            # Hot menus are read from this process's memory for up to a second before Redis is
            # asked again: that second is the documented staleness bound across processes.
            cache=NearCache(RedisCache(client)),
            redis=client,
        )
    reader = open_reader_engine(db.engine)
    return SignInState(
        codes=SqlCodeStore(db.engine),
        sessions=SqlSessionStore(db.engine, reader=reader),
        limiter=SqlRateLimiter(db.engine),
        cache=LocalCache(version_of=menu_version_reader(db)),
        engines=[reader] if owns_reader(db.engine, reader) else [],
    )


def menu_version_reader(db: SqlDatabase) -> VersionOf:
    """How an in-process menu cache learns of menu edits made by other processes: the
    restaurant's menu version, read from the database every process shares."""

    async def version_of(key: str) -> int | None:
        restaurant_id = restaurant_of_menu_key(key)
        if restaurant_id is None:
            return None
        return await db.run(lambda tx: tx.restaurants.menu_version(restaurant_id))

    return version_of


async def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    migrate_embedded: bool = True,
) -> Platform:
    """Build the platform. On the embedded SQLite database the schema is migrated to head
    here (one machine, nothing else to run); PostgreSQL and CockroachDB are migrated explicitly
    with ``restman db upgrade``."""
    settings = settings or load_settings()
    # Refuse a configuration that cannot work before touching any backend.
    keys = secret_keys(settings)
    clock = clock or SystemClock()
    url = database_url(settings)
    db = open_database(url, pool_size=settings.database_pool_size, echo=settings.database_echo)
    if db.dialect == "sqlite":
        await asyncio.to_thread(private_embedded_files, settings, url)
        if migrate_embedded:
            await asyncio.to_thread(migrate.upgrade, url)
    state = build_sign_in_state(settings, db)
    cache, mailer = state.cache, build_mailer(settings)
    return Platform(
        settings=settings,
        clock=clock,
        db=db,
        cache=cache,
        mailer=mailer,
        menus=MenuService(
            db,
            clock,
            cache=cache,
            cache_ttl_seconds=settings.menu_cache_ttl_seconds,
            default_tax_rate=Decimal(settings.default_tax_rate),
        ),
        modifiers=ModifierService(db, clock, cache=cache),
        staff_menu=StaffMenuService(db),
        menu_import=MenuImportService(db, clock, cache=cache),
        orders=OrderService(db, clock, menu_cache=cache),
        kitchen=KitchenService(db, clock),
        billing=BillingService(db, clock),
        money=MoneyService(db, clock),
        users=UserDirectory(db, clock),
        auth=AuthService(
            db,
            state.codes,
            state.sessions,
            state.limiter,
            mailer,
            auth_policy(settings),
            clock,
            keys,
        ),
        staff=StaffService(db, state.sessions, mailer, clock),
        accounts=AccountService(db, state.sessions, clock),
        state=state,
    )


def build_ticket_feed(platform: Platform) -> TicketFeedService:
    """The live kitchen feed over the platform's outbox (ticket changes by ``log_seq``); the
    caller closes it on shutdown. It reads the database every process shares, so a change
    made by any process reaches every follower."""
    return TicketFeedService(platform.db, open_ticket_feed(platform.db))
