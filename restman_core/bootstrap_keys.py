"""The platform's secret keys, from the settings or the embedded data directory.

Every stored code, session token and rate-limit bucket is a keyed hash, so every process that
shares the stores must share the key: otherwise a second host answers 401 to sessions the first
issued. In embedded mode all those processes share one data directory, and the key is created
there once (atomically, so processes starting together agree). In distributed mode the hosts
share nothing but the backends, so the key must be configured; starting without it is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from restman_core.adapters.sql.urls import dialect_of
from restman_core.config import Settings
from restman_core.domain.auth import MIN_SECRET_KEY_BYTES
from restman_core.domain.auth_keys import SecretKeys
from restman_core.errors import ConfigurationError
from restman_core.private_files import private_directory

KEY_SETTING = "RESTMAN_SECRET_KEY"
PREVIOUS_KEY_SETTING = "RESTMAN_SECRET_KEY_PREVIOUS"
KEY_FILE = "secret.key"


def distributed_reason(settings: Settings) -> str | None:
    """Why more than one host may share this installation (a server database, or Redis), or
    None when everything that holds hashes is embedded in the data directory."""
    if settings.database_url and dialect_of(settings.database_url) != "sqlite":
        return f"DATABASE_URL is {dialect_of(settings.database_url)}"
    if settings.redis_url:
        return "REDIS_URL is set"
    return None


def missing_key_message(reason: str) -> str:
    """The one-line refusal of a distributed installation without a configured key."""
    return (
        f"{KEY_SETTING} is not set: {reason}, so several hosts may share this installation and "
        f"must share one secret key; set {KEY_SETTING} (the same on every host, at least "
        f"{MIN_SECRET_KEY_BYTES} bytes, e.g. from `python -c 'import secrets; "
        f"print(secrets.token_hex(32))'`)"
    )


def embedded_key(data_dir: Path) -> bytes:
    """The key kept in ``<data_dir>/secret.key`` (see :func:`_embedded_key`); ConfigurationError
    naming the file when it cannot be created or read."""
    try:
        return _embedded_key(data_dir)
    except OSError as error:
        raise ConfigurationError(
            f"the secret key file {(data_dir / KEY_FILE).resolve()} cannot be created or read "
            f"({error.strerror or error}): make {data_dir.resolve()} a writable directory or "
            "set RESTMAN_DATA_DIR"
        ) from error


def _embedded_key(data_dir: Path) -> bytes:
    """The key kept in ``<data_dir>/secret.key``, created on first use. Creation writes a
    private temporary file and hard-links it into place, which fails if another process won
    the race: every process then reads the winner's complete file, never a half-written one."""
    path = data_dir / KEY_FILE
    if not path.exists():
        private_directory(data_dir)
        fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{KEY_FILE}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            # The link fails when another process created the file first: use theirs.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip().encode()


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(f"{where} must be at least {MIN_SECRET_KEY_BYTES} bytes long")
    return key


def check_configured_keys(settings: Settings) -> None:
    """Refuse (ConfigurationError) what :func:`secret_keys` would refuse, without creating the
    embedded key file: for start-up checks that must leave nothing behind when they refuse."""
    if settings.secret_key is not None:
        _checked(settings.secret_key.get_secret_value().encode(), KEY_SETTING)
    elif (reason := distributed_reason(settings)) is not None:
        raise ConfigurationError(missing_key_message(reason))
    if settings.secret_key_previous is not None:
        _checked(settings.secret_key_previous.get_secret_value().encode(), PREVIOUS_KEY_SETTING)


def secret_keys(settings: Settings) -> SecretKeys:
    """The current key (configured, or the embedded data directory's) and the previous one
    still accepted after a rotation. Raises ConfigurationError, naming the setting, when a
    distributed installation has no configured key or a key is too short."""
    if settings.secret_key is not None:
        current = _checked(settings.secret_key.get_secret_value().encode(), KEY_SETTING)
    elif (reason := distributed_reason(settings)) is not None:
        raise ConfigurationError(missing_key_message(reason))
    else:
        current = _checked(embedded_key(settings.data_dir), str(settings.data_dir / KEY_FILE))
    previous: tuple[bytes, ...] = ()
    if settings.secret_key_previous is not None:
        raw = settings.secret_key_previous.get_secret_value().encode()
        previous = (_checked(raw, PREVIOUS_KEY_SETTING),)
    return SecretKeys(current, previous)
