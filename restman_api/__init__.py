"""RestMan's HTTP API (Litestar). Build it with :func:`restman_api.app.create_app`."""

from restman_api.app import app_from_environment, create_app

__all__ = ["app_from_environment", "create_app"]
