"""The rows of ``restman config show``: each setting's shown value and where it came from.

Sources, in the order pydantic-settings applies them: the environment wins over the ``.env``
file in the working directory, which wins over the default. Secrets are never printed: a set
secret shows as ``********`` and passwords inside URLs as ``***``. Imported only when the
command runs (pydantic and the settings class are slow to load).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import AliasChoices, SecretStr

from restman_cli.output import Column
from restman_core.config import Settings
from restman_core.redaction import mask_url as masked_url

MASK = "********"
COLUMNS = (
    Column("name", "variable"),
    Column("value", "value"),
    Column("source", "source"),
    Column("description", "description"),
)


def variable_names(field_name: str) -> list[str]:
    """The environment variable names a setting is read from, preferred name first."""
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [field_name.upper()]


def _present(names: list[str], source: Mapping[str, str | None]) -> bool:
    lowered = {key.lower() for key, value in source.items() if value is not None}
    return any(name.lower() in lowered for name in names)


def shown_value(value: Any) -> Any:
    """A setting's value as printed: secrets masked, URL passwords masked, JSON-friendly."""
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str) and "://" in value:
        return masked_url(value)
    if isinstance(value, bool | int | float | list) or value is None:
        return value
    return str(value)


def effective_settings(settings: Settings, env_file: Path) -> list[dict[str, Any]]:
    """One row per setting: name, shown value, source (environment, .env or default), and the
    setting's own description."""
    environment = dict(os.environ)
    dotenv = dict(dotenv_values(env_file)) if env_file.is_file() else {}
    rows = []
    for field_name, field in Settings.model_fields.items():
        names = variable_names(field_name)
        if _present(names, environment):
            source = "environment"
        elif _present(names, dotenv):
            source = ".env"
        else:
            source = "default"
        rows.append(
            {
                "name": names[0],
                "value": shown_value(getattr(settings, field_name)),
                "source": source,
                "description": field.description or "",
            }
        )
    return rows


def cell(value: Any) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(value) if isinstance(value, list) else str(value)


def default_env_file() -> Path:
    """The ``.env`` file the settings read."""
    return Path(str(Settings.model_config.get("env_file", ".env")))
