"""Starting the kitchen display from the command line (``restman kitchen``)."""

from __future__ import annotations

from pathlib import Path

from restman_tui.app import KitchenApp
from restman_tui.config import KitchenConfig, default_config_path, load_config
from restman_tui.expo import ExpoApp


def prepare_config(
    path: Path,
    *,
    api: str | None,
    restaurant: str | None,
    station: str | None,
    token: str | None,
) -> KitchenConfig:
    """The saved configuration with this run's command-line choices applied. A saved token is
    dropped when the API changes: a session is only good for the API that issued it."""
    config = load_config(path)
    if api:
        if api.rstrip("/") != config.api_url.rstrip("/"):
            config.token = None
        config.api_url = api
    if token:
        config.token = token
    if restaurant:
        config.restaurant_id = restaurant
    if station:
        config.station = station
    return config


def run(
    *,
    api: str | None,
    restaurant: str | None,
    station: str | None,
    token: str | None,
    expo: bool = False,
) -> None:
    """Load the config, apply the command-line overrides and run the app in this terminal:
    the ticket board, or with ``expo`` the expediter's board."""
    path = default_config_path()
    config = prepare_config(path, api=api, restaurant=restaurant, station=station, token=token)
    if expo:
        ExpoApp(config).run()
        return
    KitchenApp(config, config_path=path).run()
