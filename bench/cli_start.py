"""How long ``restman`` takes to answer ``--help`` and a Tab completion, beside its anchors.

Each case runs N times as a fresh subprocess; the anchors run in the same loop, interleaved, so
a loaded machine moves every figure alike: ``python -c pass`` (the interpreter's start),
``python -c "import typer"`` (the framework's import) and a bare two-command Typer app's group
``--help`` (the framework's floor for help: Typer parses parameters through pydantic and renders
with rich, markdown included). Bytecode is written on a warm-up run, as an installed package
has it. Prints median and best milliseconds and each median's ratio to ``import typer``. The
goal of issue 18: every restman case under 300 ms.

    uv run python bench/cli_start.py            # 20 runs of each case
    uv run python bench/cli_start.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
RESTMAN = shutil.which("restman", path=str(Path(PYTHON).parent)) or "restman"

# The framework's own floor for a group's --help: one Typer group with one option. Typer parses
# parameters through pydantic and renders help with rich (markdown included), whatever the app.
BARE_TYPER = """
import typer
app = typer.Typer(rich_markup_mode="rich")
group = typer.Typer()
@group.command()
def show(name: str = typer.Option("x", help="A name.")) -> None:
    \"\"\"Show it.\"\"\"
@group.command()
def other() -> None:
    \"\"\"Another.\"\"\"
app.add_typer(group, name="things")
app(["things", "--help"], prog_name="bare")
"""

CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "python -c pass": ([PYTHON, "-c", "pass"], {}),
    'python -c "import typer"': ([PYTHON, "-c", "import typer"], {}),
    "bare Typer app: group --help": ([PYTHON, "-c", BARE_TYPER], {}),
    "restman --help": ([RESTMAN, "--help"], {}),
    "restman orders --help": ([RESTMAN, "orders", "--help"], {}),
    "restman <Tab> (bash completion)": (
        [RESTMAN],
        {"_RESTMAN_COMPLETE": "complete_bash", "COMP_WORDS": "restman or", "COMP_CWORD": "1"},
    ),
}
GOAL_MS = 300.0


def _once(argv: list[str], extra: dict[str, str]) -> float:
    env = {**os.environ, **extra, "COLUMNS": "100"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    # check=False: a Typer app's --help may leave with 0 through SystemExit inside -c.
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def measure(runs: int) -> dict[str, list[float]]:
    """Milliseconds of each case, ``runs`` times, cases interleaved."""
    for argv, extra in CASES.values():
        _once(argv, extra)  # warm-up: writes bytecode, fills the page cache
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, (argv, extra) in CASES.items():
            times[name].append(_once(argv, extra))
    return times


def report(times: dict[str, list[float]]) -> str:
    """The markdown table of the run, with the machine's load at the end of it."""
    floor = statistics.median(times['python -c "import typer"'])
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    lines = [
        f"cli start, {len(next(iter(times.values())))} runs each, nproc {os.cpu_count()}, "
        f"load {' '.join(load)}",
        "",
        "| case | median ms | best ms | × import typer | goal |",
        "|---|---:|---:|---:|---|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        goal = ("ok" if median < GOAL_MS else "MISSED") if name.startswith("restman") else ""
        lines.append(
            f"| {name} | {median:.0f} | {min(values):.0f} | {median / floor:.1f} | {goal} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(report(measure(args.runs)))


if __name__ == "__main__":
    main()
