"""The core's error hierarchy, walked, and one instance of each class, for the front ends'
translation tests."""

from __future__ import annotations

from restman_core.errors import RateLimited, RestmanError


def error_classes() -> list[type[RestmanError]]:
    """RestmanError and every subclass, recursively (also those defined outside errors.py, as
    long as their module is imported), each once, in a stable order."""
    found: list[type[RestmanError]] = []
    pending: list[type[RestmanError]] = [RestmanError]
    while pending:
        kind = pending.pop(0)
        if kind not in found:
            found.append(kind)
            pending.extend(kind.__subclasses__())
    return found


def instance_of(kind: type[RestmanError], message: str) -> RestmanError:
    """An instance of ``kind`` carrying ``message`` (RateLimited also needs its wait)."""
    if issubclass(kind, RateLimited):
        return kind(message, retry_after=7)
    return kind(message)
