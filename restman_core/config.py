"""Configuration: one :class:`Settings` class, read from the environment and a ``.env`` file.

The original system's variable names are accepted as they were (``DATABASE_URL``, ``REDIS_URL``,
``KAFKA_BROKERS``, ``CLICKHOUSE_URL``, ``SMTP_*``, ``OTP_*``, ``SESSION_EXPIRY_SECONDS``,
``MENU_CACHE_TTL_SECONDS``); everything new is ``RESTMAN_``-prefixed. An unset URL means the
embedded default for that concern (see ``bootstrap``). Secrets are ``SecretStr`` and never
printed. Nothing here is built at import time: call :func:`load_settings`.
"""

from __future__ import annotations

from decimal import Decimal
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
KafkaSaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def _env(name: str) -> Any:
    """Accept the bare (original) name and the ``RESTMAN_`` one."""
    return AliasChoices(name, f"RESTMAN_{name}")


class Settings(BaseSettings):
    """Every setting RestMan reads. Field descriptions are the documentation."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    # Where things live --------------------------------------------------------------------
    data_dir: Path = Field(
        Path(".restman"),
        validation_alias=AliasChoices("RESTMAN_DATA_DIR"),
        description="Directory for embedded data: SQLite file, analytics engine, mail outbox.",
    )
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL"),
        description="SQL database. postgresql://, cockroachdb:// or sqlite:/// URLs work as "
        "given (the async driver is chosen for you). Unset: SQLite at <data>/restman.db.",
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_DATABASE_POOL_SIZE"),
        description="Connections per process in the PostgreSQL/CockroachDB pool.",
    )
    database_echo: bool = Field(
        False,
        validation_alias=AliasChoices("RESTMAN_DATABASE_ECHO"),
        description="Log every SQL statement (debugging only).",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=_env("REDIS_URL"),
        description="Redis for sign-in codes, sessions, rate limits and the menu cache. "
        "Unset: the same data lives in SQL tables plus an in-process cache.",
    )
    kafka_brokers: str | None = Field(
        None,
        validation_alias=_env("KAFKA_BROKERS"),
        description="Comma-separated Kafka bootstrap servers. Unset: the outbox table is the "
        "event log and consumers run in-process.",
    )
    kafka_topic_partitions: int = Field(
        3,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_KAFKA_TOPIC_PARTITIONS"),
        description="Partitions for topics RestMan creates when they are missing.",
    )
    kafka_replication_factor: int = Field(
        1,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_KAFKA_REPLICATION_FACTOR"),
        description="Replication factor for topics RestMan creates.",
    )
    kafka_consumer_max_attempts: int = Field(
        5,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_KAFKA_CONSUMER_MAX_ATTEMPTS"),
        description="Attempts at one message before it goes to <topic>.dlq.",
    )
    kafka_session_timeout_ms: int = Field(
        10_000,
        ge=3_000,
        le=300_000,
        validation_alias=AliasChoices("RESTMAN_KAFKA_SESSION_TIMEOUT_MS"),
        description="How long a silent consumer keeps its partitions before the group moves "
        "them to another member (heartbeats go every tenth of it).",
    )
    kafka_static_membership: bool = Field(
        True,
        validation_alias=AliasChoices("RESTMAN_KAFKA_STATIC_MEMBERSHIP"),
        description="Consumers join their groups with a stable group.instance.id made of the "
        "worker id, so a restarted worker takes its partitions back without waiting for its "
        "old session to time out.",
    )
    worker_id: str | None = Field(
        None,
        max_length=60,
        validation_alias=AliasChoices("RESTMAN_WORKER_ID"),
        description="This worker process's stable name (static group membership, the relay's "
        "lease holder). Unset: the host name. Must differ between worker processes that run "
        "the same kinds at the same time.",
    )
    kafka_security_protocol: KafkaSecurityProtocol = Field(
        "PLAINTEXT",
        validation_alias=AliasChoices("RESTMAN_KAFKA_SECURITY_PROTOCOL"),
        description="How clients talk to the brokers: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT "
        "(login without TLS) or SASL_SSL (login over TLS, what managed Kafka services use).",
    )
    kafka_sasl_mechanism: KafkaSaslMechanism | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_KAFKA_SASL_MECHANISM"),
        description="SASL login mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. Required "
        "with the SASL_* protocols, refused with the others.",
    )
    kafka_sasl_username: str | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_KAFKA_SASL_USERNAME"),
        description="SASL user name (the API key on Confluent Cloud).",
    )
    kafka_sasl_password: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_KAFKA_SASL_PASSWORD"),
        description="SASL password (the API secret on Confluent Cloud); secret.",
    )
    kafka_ssl_ca_location: Path | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_KAFKA_SSL_CA_LOCATION"),
        description="PEM file of the CA that signed the brokers' certificates (SSL and "
        "SASL_SSL only). Unset: the system's trusted CAs.",
    )
    clickhouse_url: str | None = Field(
        None,
        validation_alias=_env("CLICKHOUSE_URL"),
        description="ClickHouse server (http:// or https://) for analytics. Unset: the "
        "ClickHouse engine runs in-process (chdb) under <data>/analytics.",
    )
    clickhouse_database: str = Field(
        "restman_analytics",
        validation_alias=_env("CLICKHOUSE_DATABASE"),
        description="Analytics database name.",
    )

    # Mail ---------------------------------------------------------------------------------
    smtp_host: str | None = Field(
        None,
        validation_alias=_env("SMTP_HOST"),
        description="SMTP relay. Unset: each message is written as an .eml file under "
        "<data>/outbox/.",
    )
    smtp_port: int = Field(
        587,
        ge=1,
        le=65535,
        validation_alias=_env("SMTP_PORT"),
        description="587 uses STARTTLS, 465 implicit TLS, anything else plain (local relays).",
    )
    smtp_username: str | None = Field(
        None, validation_alias=_env("SMTP_USERNAME"), description="SMTP login, if any."
    )
    smtp_password: SecretStr | None = Field(
        None, validation_alias=_env("SMTP_PASSWORD"), description="SMTP password (secret)."
    )
    smtp_from: str = Field(
        "noreply@restman.local",
        validation_alias=_env("SMTP_FROM"),
        description="Sender address of every message.",
    )
    smtp_timeout_seconds: float = Field(
        10.0,
        gt=0,
        validation_alias=AliasChoices("RESTMAN_SMTP_TIMEOUT_SECONDS"),
        description="Timeout of one SMTP conversation.",
    )

    # Sign-in ------------------------------------------------------------------------------
    otp_expiry_seconds: int = Field(
        300,
        ge=30,
        validation_alias=_env("OTP_EXPIRY_SECONDS"),
        description="How long a sign-in code stays valid.",
    )
    otp_length: int = Field(
        6, ge=4, le=10, validation_alias=_env("OTP_LENGTH"), description="Digits per code."
    )
    otp_resend_seconds: int = Field(
        60,
        ge=0,
        validation_alias=AliasChoices("RESTMAN_OTP_RESEND_SECONDS"),
        description="A new code for the same email is refused this long after the last one.",
    )
    otp_max_attempts: int = Field(
        5,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_OTP_MAX_ATTEMPTS"),
        description="Wrong guesses allowed per code before it dies and the email is locked.",
    )
    otp_lockout_seconds: int = Field(
        900,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_OTP_LOCKOUT_SECONDS"),
        description="Cooldown after too many wrong codes.",
    )
    auth_rate_limit_per_email: int = Field(
        10,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_AUTH_RATE_LIMIT_PER_EMAIL"),
        description="Code requests plus verifies allowed per email per window.",
    )
    auth_rate_limit_per_address: int = Field(
        30,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_AUTH_RATE_LIMIT_PER_ADDRESS"),
        description="Code requests plus verifies allowed per client address per window.",
    )
    auth_rate_limit_window_seconds: int = Field(
        900,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_AUTH_RATE_LIMIT_WINDOW_SECONDS"),
        description="Window of the two limits above.",
    )
    session_expiry_seconds: int = Field(
        7200,
        ge=60,
        validation_alias=_env("SESSION_EXPIRY_SECONDS"),
        description="Absolute lifetime of a session.",
    )
    session_idle_seconds: int = Field(
        3600,
        ge=60,
        validation_alias=AliasChoices("RESTMAN_SESSION_IDLE_SECONDS"),
        description="A session unused this long expires before its absolute lifetime.",
    )
    allow_owner_signup: bool = Field(
        True,
        validation_alias=AliasChoices("RESTMAN_ALLOW_OWNER_SIGNUP"),
        description="Whether a new user may choose the owner role (rest) at sign-up.",
    )
    secret_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_SECRET_KEY"),
        description="Key for hashing codes and tokens (at least 16 bytes), the same on every "
        "host. Required in distributed mode (DATABASE_URL on PostgreSQL/CockroachDB, or "
        "REDIS_URL set); unset in embedded mode: a random key is created once and kept in "
        "<data>/secret.key, shared by every process on that data directory.",
    )
    secret_key_previous: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RESTMAN_SECRET_KEY_PREVIOUS"),
        description="Key rotation: the replaced key, still accepted for verifying codes and "
        "sessions made with it (new ones use RESTMAN_SECRET_KEY). Drop it after one session "
        "lifetime.",
    )

    # Menus, money ---------------------------------------------------------------------------
    menu_cache_ttl_seconds: int = Field(
        300,
        ge=0,
        validation_alias=_env("MENU_CACHE_TTL_SECONDS"),
        description="How long a built menu is cached (0 disables caching).",
    )
    default_tax_rate: Decimal = Field(
        Decimal("0.10"),
        ge=0,
        le=1,
        validation_alias=AliasChoices("RESTMAN_DEFAULT_TAX_RATE"),
        description="Tax rate of restaurants that set none (0.10 = 10%).",
    )

    # Housekeeping -------------------------------------------------------------------------
    retention_days: int = Field(
        7,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_RETENTION_DAYS"),
        description="Delivered outbox rows and processed-event records are kept this long.",
    )
    reconcile_interval_seconds: float = Field(
        60.0,
        gt=0,
        validation_alias=AliasChoices("RESTMAN_RECONCILE_INTERVAL_SECONDS"),
        description="How often the reconciler looks for committed events whose effect is "
        "missing in a consumer.",
    )
    reconcile_grace_seconds: float = Field(
        60.0,
        ge=0,
        validation_alias=AliasChoices("RESTMAN_RECONCILE_GRACE_SECONDS"),
        description="Events published less than this long ago are left to their consumers "
        "(they are probably in flight) and not reconciled yet.",
    )
    idempotency_ttl_hours: int = Field(
        24,
        ge=24,
        validation_alias=AliasChoices("RESTMAN_IDEMPOTENCY_TTL_HOURS"),
        description="Idempotency keys are honoured at least this long.",
    )

    # HTTP ---------------------------------------------------------------------------------
    cors_origins: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("RESTMAN_CORS_ORIGINS"),
        description="Origins allowed to call the API from a browser (JSON list).",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        validation_alias=AliasChoices("RESTMAN_TRUSTED_PROXIES"),
        description="Comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed (the client address feeds the per-address sign-in "
        "limit). Empty: no proxy is trusted, not even loopback, and the peer address counts.",
    )
    body_timeout_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("RESTMAN_BODY_TIMEOUT_SECONDS"),
        description="A request body not fully received this long after the request started is "
        "answered 408 and its connection closed; headers not complete this long after a "
        "connection opens (or after its previous answer) close the connection.",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        validation_alias=AliasChoices("RESTMAN_MAX_CONNECTIONS"),
        description="Concurrent connections (slow clients included) one server process "
        "accepts; beyond it new requests get 503 at once.",
    )
    log_level: str = Field(
        "INFO", validation_alias=AliasChoices("RESTMAN_LOG_LEVEL"), description="Log level."
    )
    access_log: str = Field(
        "on",
        validation_alias=AliasChoices("RESTMAN_ACCESS_LOG"),
        pattern=r"^(on|off|sample:[1-9][0-9]*)$",
        description="The API's access log (one JSON line per request, at INFO): `on`, `off`, "
        "or `sample:N` (one request in N, and every 5xx).",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: Any) -> Any:
        # One comma-separated variable, as uvicorn's FORWARDED_ALLOW_IPS; each entry must be an
        # address or a network, so a typo is refused instead of trusting nothing silently.
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list | tuple):
            for item in value:
                ip_network(str(item), strict=False)
            return tuple(str(item) for item in value)
        return value

    @field_validator("database_url", "redis_url", "kafka_brokers", "clickhouse_url", "smtp_host")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return value or None

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper_case_kafka_names(cls, value: Any) -> Any:
        # librdkafka spells these in upper case; accept "sasl_ssl" as well.
        if isinstance(value, str):
            value = value.strip().upper()
            return value or None
        return value

    @field_validator("secret_key", "secret_key_previous", mode="before")
    @classmethod
    def _blank_key_is_unset(cls, value: Any) -> Any:
        # Compose passes `${RESTMAN_SECRET_KEY_PREVIOUS:-}` as an empty string: no key at all.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("kafka_sasl_username", "kafka_ssl_ca_location", mode="before")
    @classmethod
    def _blank_kafka_value_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _kafka_security_is_complete(self) -> Settings:
        """SASL protocols need a mechanism and credentials; the others must not carry any
        (a login that would be silently ignored hides a misconfiguration)."""
        protocol = self.kafka_security_protocol
        sasl_fields = {
            "RESTMAN_KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
            "RESTMAN_KAFKA_SASL_USERNAME": self.kafka_sasl_username,
            "RESTMAN_KAFKA_SASL_PASSWORD": self.kafka_sasl_password,
        }
        if protocol.startswith("SASL_"):
            missing = [name for name, value in sasl_fields.items() if not value]
            if missing:
                raise ValueError(
                    f"RESTMAN_KAFKA_SECURITY_PROTOCOL={protocol} needs {', '.join(missing)}."
                )
        else:
            stray = [name for name, value in sasl_fields.items() if value]
            if stray:
                raise ValueError(
                    f"{', '.join(stray)} only apply to RESTMAN_KAFKA_SECURITY_PROTOCOL="
                    f"SASL_PLAINTEXT or SASL_SSL, not {protocol}."
                )
        if self.kafka_ssl_ca_location is not None and not protocol.endswith("SSL"):
            raise ValueError(
                "RESTMAN_KAFKA_SSL_CA_LOCATION only applies to RESTMAN_KAFKA_SECURITY_PROTOCOL="
                f"SSL or SASL_SSL, not {protocol}."
            )
        return self

    @property
    def sqlite_path(self) -> Path:
        """The embedded database file."""
        return self.data_dir / "restman.db"

    @property
    def mail_outbox_dir(self) -> Path:
        """Where the embedded mailer writes .eml files."""
        return self.data_dir / "outbox"

    @property
    def analytics_dir(self) -> Path:
        """Where the in-process ClickHouse engine keeps its data."""
        return self.data_dir / "analytics"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment and ``.env``; keyword overrides win."""
    return Settings(**overrides)
