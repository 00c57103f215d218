"""How long a `tracker` command takes from the shell, against the bare imports it cannot avoid.

Runs each command RUNS times (default 10) in a new process and prints the median wall time, with the ratio
to three baselines measured in the same run:
- `python -c "import typer, rich"`: the command-line libraries alone (the aim: `--help` and `deadline`
  within 2x of it);
- `python -c "import sqlmodel"`: the database layer alone (the aim: database commands within 1.3x of it);
- a two-command typer app's `--help`: what typer itself costs to build and print a command line, which no
  typer program can go below (typer validates every parameter with pydantic when it builds the commands).

The database commands run on a fresh SQLite file holding the sample ward. Nothing is asserted: this prints
measurements.

Run from the project folder:  uv run python benchmarks/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-05-12T08:00:00+07:00"
_TYPER_FLOOR = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "x") -> None:
    '''Say hello.'''
@app.command()
def bye() -> None:
    '''Say goodbye.'''
app()
"""


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    """The median wall time of `command` over `runs` runs; stops the benchmark if it fails."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    tracker = shutil.which("tracker") or str(Path(sys.executable).with_name("tracker"))
    folder = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    try:
        env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}", "TRACKER_NOW": NOW,
               "TRACKER_CONFIG": str(ROOT / "config" / "ward.example.toml"), "COLUMNS": "120"}
        for name in ("TRACKER_ORG", "TRACKER_AS"):
            env.pop(name, None)
        subprocess.run([tracker, "start"], env=env, cwd=ROOT, capture_output=True, check=True)
        report(tracker, env, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(tracker: str, env: dict[str, str], runs: int) -> None:
    python = sys.executable
    typer_rich = median_seconds([python, "-c", "import typer, rich"], env, runs)
    sqlmodel = median_seconds([python, "-c", "import sqlmodel"], env, runs)
    floor = median_seconds([python, "-c", _TYPER_FLOOR, "--help"], env, runs)
    print(f"median of {runs} runs, seconds")
    print(f"  baseline  import typer, rich        {typer_rich:6.3f}")
    print(f"  baseline  import sqlmodel           {sqlmodel:6.3f}")
    print(f"  baseline  two-command typer --help  {floor:6.3f}")
    commands = {
        "tracker --help": ([tracker, "--help"], False),
        "tracker deadline ... --on ...": ([tracker, "deadline", "hoàn thành trước ngày 15/5/2026", "--on",
                                           "4/5/2026"], False),
        "tracker task list": ([tracker, "task", "list"], True),
        "tracker stats": ([tracker, "stats"], True),
    }
    print(f"  {'command':32} {'seconds':>7} {'/typer+rich':>12} {'/sqlmodel':>10} {'/typer app':>11}  aim")
    for label, (command, uses_database) in commands.items():
        seconds = median_seconds(command, env, runs)
        aim = "<= 1.3x sqlmodel" if uses_database else "<= 2x typer+rich"
        print(f"  {label:32} {seconds:7.3f} {seconds / typer_rich:11.2f}x {seconds / sqlmodel:9.2f}x "
              f"{seconds / floor:10.2f}x  {aim}")


if __name__ == "__main__":
    main()
