"""What ``restman serve`` checks before it announces anything or touches any data.

A server that cannot listen, or a configuration that cannot work, must say so in one line and
leave nothing behind: no banner claiming an address it will not serve, no migrated database, no
data directory. The checks here bind the address and read the settings only.
"""

from __future__ import annotations

import errno
import socket

from restman_core.bootstrap_keys import check_configured_keys
from restman_core.config import Settings

_REASONS = {
    errno.EADDRINUSE: "address already in use (is another server running on it?)",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "no interface of this machine has that address",
}


class AddressUnavailable(Exception):
    """The server cannot listen on the address; the message names it and says why."""


def check_address(host: str, port: int) -> None:
    """Bind ``host:port`` the way the servers will (SO_REUSEADDR, so a port left in TIME_WAIT
    by a previous run is not mistaken for a busy one), then release it.

    Raises AddressUnavailable. The server binds again right after, so a process that takes the
    port in that instant is still reported, by the server itself."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    shown = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror as error:
        raise AddressUnavailable(f"cannot listen on {shown}: unknown host ({error})") from error
    except OSError as error:
        reason = _REASONS.get(error.errno or 0, error.strerror or str(error))
        raise AddressUnavailable(f"cannot listen on {shown}: {reason}") from error


def preflight(settings: Settings, host: str, port: int) -> None:
    """Every check that must pass before the banner: the configuration can work (a
    distributed installation has its shared secret key; ConfigurationError otherwise), and the
    address is free (AddressUnavailable otherwise). Creates nothing."""
    check_configured_keys(settings)
    check_address(host, port)
