"""Runs the relay worker in a process of its own, as ``restman worker relay`` would (the
distributed tests kill it with SIGKILL mid-flight and stop it with SIGTERM).

Usage: ``python -m tests.pipeline.relay_process <data_dir> <bootstrap> <topic_prefix>``
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from restman_cli.worker import run_workers
from tests.pipeline.conftest import FAST, settings_for


def main(argv: list[str]) -> None:
    data_dir, bootstrap, prefix = argv
    settings = settings_for(Path(data_dir), kafka_brokers=bootstrap, log_level="INFO")
    run_workers(["relay"], settings, dataclasses.replace(FAST, topic_prefix=prefix))


if __name__ == "__main__":
    main(sys.argv[1:])
