"""RestMan kitchen display: a keyboard-first Textual board of kitchen tickets that talks to the
RestMan API over HTTP only. Start it with :func:`run_kitchen` (``restman kitchen``)."""

from __future__ import annotations


def run_kitchen(
    api: str | None = None,
    restaurant: str | None = None,
    station: str | None = None,
    token: str | None = None,
    expo: bool = False,
) -> None:
    """Run the kitchen display until the cook quits (with ``expo``: the expediter's board).

    Settings come from the user's config file (see :mod:`restman_tui.config`); the arguments
    override it for this run, and ``api``/``token`` are saved back after a successful sign-in.
    Raises :class:`restman_tui.config.KitchenConfigError` when the config file is unusable.
    """
    from restman_tui.main import run

    run(api=api, restaurant=restaurant, station=station, token=token, expo=expo)


__all__ = ["run_kitchen"]
