"""Servers of a fault test's own, never the machine's shared ones, so that a test may kill them."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.processes import Child
from tests.support.services import free_port, port_open, require, wait_for


class PrivateRedis:
    """A redis-server of this test's own on a free port, without persistence unless
    ``persist_in`` names a directory for its append-only file."""

    def __init__(self, log: Path, *, persist_in: Path | None = None) -> None:
        binary = shutil.which("redis-server")
        require("redis-server", binary is not None, "no redis-server binary")
        assert binary is not None
        self.port = free_port()
        self.args = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        self.args += ["--save", ""]
        if persist_in is None:
            self.args += ["--appendonly", "no"]
        else:  # every write on disk before it is answered: a SIGKILL loses nothing
            self.args += [
                "--dir",
                str(persist_in),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ]
        self.log = log
        self.child: Child | None = None

    async def start(self) -> None:
        self.child = Child(self.args, log=self.log).start()

        async def listening() -> bool:
            return port_open("127.0.0.1", self.port, timeout=0.2)

        await wait_for(listening, what=f"redis-server on port {self.port}", timeout=30)

    def kill(self) -> None:
        if self.child is not None:
            self.child.kill()

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop(grace=5)
