"""Memory of the running service: `tracker serve` idle over a ward of 100,000 tasks.

It fills a SQLite file with one ward (9 units, its people) and 100,000 tasks, bulk-inserted as
benchmarks/storage.py does, then starts the installed `tracker serve` on a copy of it in a subprocess
(working folder: a temporary one, so logs/ lands there; the clock fixed at 08:00 on the storage
benchmark's reference day, a Friday, so that the start-up catch-up runs that day's reminders, digest and
extension notices over all the tasks), waits for the ready line in logs/tracker.log and then a few
seconds more, reads VmRSS (now) and VmHWM (the peak since start, catch-up included) from
/proc/<pid>/status, and stops it with SIGTERM.

It does so twice, each time on a fresh copy of the database: first with no compiled bytecode (every
module is compiled from source as it is imported, which costs a transient peak: what a machine with
PYTHONDONTWRITEBYTECODE=1 always pays), then with the bytecode the first run wrote (what an ordinary
installation runs with). The bytecode goes to a temporary PYTHONPYCACHEPREFIX, never into .venv.
Aim: a peak under 150 MB. Nothing is asserted: this prints measurements. Linux only (/proc).

Run from the project folder:  uv run python benchmarks/serve_memory.py [--tasks 100000] [--idle 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from storage import REFERENCE_DAY, populate

from app.service import READY_LINE
from tracker.db import make_engine
from tracker.migrate import upgrade

GOAL_MB = 150.0
READY_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 30
NOW = f"{REFERENCE_DAY.isoformat()}T08:00:00+07:00"


def fill(url: str, tasks: int) -> float:
    """Migrate and fill the database; returns the seconds it took."""
    start = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        populate(engine, 1, tasks, REFERENCE_DAY)
    finally:
        engine.dispose()
    return time.perf_counter() - start


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (from kB)."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0]) / 1024
    return figures


def wait_ready(process: subprocess.Popen[bytes], log: Path) -> float:
    """Seconds until the ready line appears in the service's log; raises SystemExit if it never does."""
    start = time.perf_counter()
    while time.perf_counter() - start < READY_TIMEOUT_SECONDS:
        if process.poll() is not None:
            raise SystemExit(f"tracker serve đã dừng (mã {process.returncode}) trước khi sẵn sàng; xem {log}.")
        if log.exists() and READY_LINE in log.read_text(encoding="utf-8", errors="replace"):
            return time.perf_counter() - start
        time.sleep(0.2)
    raise SystemExit(f"tracker serve chưa sẵn sàng sau {READY_TIMEOUT_SECONDS} s; xem {log}.")


@dataclass(frozen=True)
class Run:
    label: str
    ready_seconds: float
    rss_mb: float
    peak_mb: float
    messages: int
    exit_code: int


def measure(label: str, folder: Path, database: Path, pycache: Path, idle: float) -> Run:
    """Start `tracker serve` in `folder` on a copy of `database`, measure it once idle, stop it."""
    folder.mkdir()
    shutil.copy(database, folder / "tracker.db")
    script = Path(sys.executable).parent / "tracker"
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}", "TRACKER_NOW": NOW,
           "PYTHONPYCACHEPREFIX": str(pycache)}
    for name in ("PYTHONDONTWRITEBYTECODE", "TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TRACKER_ORG", "TRACKER_AS"):
        env.pop(name, None)
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        process = subprocess.Popen([str(script), "serve"], cwd=folder, env=env, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL)
        try:
            ready = wait_ready(process, folder / "logs" / "tracker.log")
            time.sleep(idle)
            figures = memory_mb(process.pid)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    outbox = folder / "logs" / "outbox.log"
    messages = outbox.read_text(encoding="utf-8").count("--- tin nhắn gửi") if outbox.exists() else 0
    return Run(label, ready, figures["VmRSS"], figures["VmHWM"], messages, code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo bộ nhớ của tracker serve khi rảnh, với nhiều nhiệm vụ.")
    parser.add_argument("--tasks", type=int, default=100_000, help="số nhiệm vụ (mặc định 100000)")
    parser.add_argument("--idle", type=float, default=5.0, help="số giây chờ sau khi sẵn sàng (mặc định 5)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tracker_serve_mem_") as name:
        folder = Path(name)
        database = folder / "prepared.db"
        seconds = fill(f"sqlite:///{database}", options.tasks)
        total = f"{options.tasks:,}".replace(",", ".")
        print(f"SQLite: đã tạo 1 phường, {total} nhiệm vụ trong {seconds:.1f} s.")
        runs = [measure(label, folder / key, database, folder / "pycache", options.idle)
                for key, label in (("cold", "chưa có bytecode"), ("warm", "đã có bytecode"))]
    print(f"tracker serve khi rảnh ({options.idle:g} s sau dòng sẵn sàng), đã bù các việc ngày "
          f"{REFERENCE_DAY:%d/%m/%Y}:")
    for run in runs:
        verdict = "đạt" if run.peak_mb < GOAL_MB else "chưa đạt"
        print(f"  {run.label}: sẵn sàng sau {run.ready_seconds:.1f} s, gửi {run.messages} tin ra tệp nhật ký; "
              f"VmRSS {run.rss_mb:.1f} MB, đỉnh (VmHWM) {run.peak_mb:.1f} MB "
              f"(mục tiêu < {GOAL_MB:g} MB: {verdict}); dừng bằng SIGTERM, mã thoát {run.exit_code}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
