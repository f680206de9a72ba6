"""The kitchen display's user configuration: a JSON file readable only by its user.

Location: ``$RESTMAN_KITCHEN_CONFIG`` if set, else ``$XDG_CONFIG_HOME/restman/kitchen.json``
(``~/.config/restman/kitchen.json``). Example::

    {
      "api_url": "http://127.0.0.1:8000",
      "restaurant_id": null,
      "station": null,
      "stations": ["grill", "fry", "cold"],
      "yellow_after_minutes": 5,
      "red_after_minutes": 10,
      "bell": true,
      "keys": {"bump": "enter,space,b", "deliver": "d"}
    }

The session token is written here too, which is why the file is created with mode 0600.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Actions a key can be bound to, their default keys (Textual key names, comma separated)
#: and what the footer and help call them.
DEFAULT_KEYS: dict[str, str] = {
    "bump": "enter,space",
    "deliver": "d",
    "recall": "r",
    "item_done": "i",
    "next_item": "n",
    "previous_item": "p",
    "all_day": "a",
    "station": "s",
    "refresh": "f5",
    "pick": "number_sign,slash",
    "help": "question_mark",
    "quit": "q",
    "up": "up,k",
    "down": "down,j",
    "left": "left,h",
    "right": "right,l",
    "page_down": "pagedown",
    "page_up": "pageup",
}
ACTION_LABELS: dict[str, str] = {
    "bump": "Bump",
    "deliver": "Deliver",
    "recall": "Recall",
    "item_done": "Item",
    "next_item": "Next item",
    "previous_item": "Prev item",
    "all_day": "All day",
    "station": "Station",
    "refresh": "Refresh",
    "pick": "Find",
    "help": "Help",
    "quit": "Quit",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "page_down": "PgDn",
    "page_up": "PgUp",
}


class KitchenConfigError(ValueError):
    """The configuration file exists but cannot be used; the message says why and where."""


@dataclass
class KitchenConfig:
    """Settings of one kitchen terminal. Every field has a working default."""

    api_url: str = "http://127.0.0.1:8000"
    token: str | None = None
    email: str | None = None
    restaurant_id: str | None = None
    station: str | None = None
    stations: list[str] = field(default_factory=list)
    yellow_after_minutes: float = 5.0
    red_after_minutes: float = 10.0
    bell: bool = True
    keys: dict[str, str] = field(default_factory=dict)

    def key_for(self, action: str) -> str:
        """The keys bound to ``action``: the user's choice, else the default."""
        return self.keys.get(action) or DEFAULT_KEYS[action]

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: Path) -> KitchenConfig:
        """Validate a parsed file; unknown fields, actions and wrong types are errors."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise KitchenConfigError(f"{source}: unknown settings {', '.join(unknown)}")
        config = cls(**dict(data))
        _check_types(config, source)
        bad_actions = sorted(set(config.keys) - set(DEFAULT_KEYS))
        if bad_actions:
            raise KitchenConfigError(
                f"{source}: unknown key actions {', '.join(bad_actions)} "
                f"(known: {', '.join(DEFAULT_KEYS)})"
            )
        return config


def _check_types(config: KitchenConfig, source: Path) -> None:
    if not isinstance(config.api_url, str) or not config.api_url:
        raise KitchenConfigError(f"{source}: api_url must be a URL")
    for name in ("token", "email", "restaurant_id", "station"):
        if not isinstance(getattr(config, name), str | None):
            raise KitchenConfigError(f"{source}: {name} must be a string or null")
    for name in ("yellow_after_minutes", "red_after_minutes"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise KitchenConfigError(f"{source}: {name} must be a number of minutes")
    if config.red_after_minutes < config.yellow_after_minutes:
        raise KitchenConfigError(f"{source}: red_after_minutes is below yellow_after_minutes")
    if not isinstance(config.bell, bool):
        raise KitchenConfigError(f"{source}: bell must be true or false")
    if not isinstance(config.stations, list) or not all(
        isinstance(s, str) for s in config.stations
    ):
        raise KitchenConfigError(f"{source}: stations must be a list of names")
    if not isinstance(config.keys, dict) or not all(
        isinstance(k, str) and k.strip() for k in config.keys.values()
    ):
        raise KitchenConfigError(f"{source}: every key binding must be a non-empty string")


def default_config_path() -> Path:
    """Where this user's kitchen configuration lives (see the module docstring)."""
    explicit = os.environ.get("RESTMAN_KITCHEN_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "restman" / "kitchen.json"


def load_config(path: Path) -> KitchenConfig:
    """The configuration in ``path``; defaults when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KitchenConfig()
    except OSError as exc:
        raise KitchenConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KitchenConfigError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise KitchenConfigError(f"{path}: expected a JSON object")
    try:
        return KitchenConfig.from_json(data, path)
    except TypeError as exc:
        raise KitchenConfigError(f"{path}: {exc}") from exc


def save_config(config: KitchenConfig, path: Path) -> None:
    """Write ``config`` atomically with mode 0600 (it holds the session token), in a directory
    only the user can enter."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(config), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
