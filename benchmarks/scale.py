"""Scale benchmark: one full morning for N wards × 1,000 open tasks on PostgreSQL, in 1, 2 and 4 processes.

For each N (``--wards``, default 100, 1,000 and 3,300) it builds, once, a template database of N wards
(9 units, their people, a bound Telegram chat for every leader and unit head, 1,000 open tasks each:
the builders of benchmarks/daily_check.py and benchmarks/storage.py) and prints the build time. Before each
N it checks free disk and memory against an estimate scaled from the smaller N's measured database size
(pg_database_size) and worker memory, and stops with the reason when it would not fit.

Then, for each process count P (``--processes``, default 1, 2, 4), it copies the template
(``CREATE DATABASE … TEMPLATE``: a file copy on the server, so every P starts from the same untouched
morning, outbox and JobRun empty, without deleting millions of rows) and starts P spawned OS processes that
wait on a barrier, then each runs ``jobs.scheduler.catch_up`` at 08:00 on a fixed Monday with a FixedClock,
as every ``tracker serve`` process does at start-up. Printed per N: P, wall time from the barrier to the last
process done, JobRun and outbox rows written, duplicates (outbox rows sharing a dedupe key, JobRun rows
per ward, job and day beyond one, and job outcomes in error), and the peak RSS of each process. Then how the
time grows with N (seconds per 1,000 wards, and the ratio to the smallest N, per P). Aim: 3,300 wards in
under 5 minutes with 2 processes.

Last, for the smallest N only, the sender's rate: every person of the ward gets a Telegram chat, one morning
is written to the outbox, and P processes each run ``jobs.sender.Sender`` as ``tracker serve`` builds it
(the SharedRateLimiter on the real clock) against the fake Telegram Bot API of tests/fake_telegram.py for
``--send-seconds`` seconds. The fake stamps every sendMessage; printed: messages, and the most in any sliding
one-second window per bot token, against Telegram's limit of 30. Nothing is asserted: it is a measurement.

Run from the project folder:

    uv run python benchmarks/scale.py [--wards 100,1000,3300] [--processes 1,2,4] [--tasks 1000]
                                      [--send-seconds 20] [--postgres URL]

The server comes from ``--postgres``, else TRACKER_BENCH_POSTGRES_URL, else
postgresql://postgres@127.0.0.1:5432/postgres; the benchmark creates databases ``tracker_scale_<pid>_…`` of
its own there and drops them at the end, also after an error or Ctrl+C; it never writes to the database
the URL names.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import secrets
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "tests")]

from daily_check import populate  # noqa: E402  (the sibling benchmarks' builders)
from storage import _admin_engine, _create_database, _drop_database  # noqa: E402

from tracker.clock import WARD_TZ, FixedClock  # noqa: E402
from tracker.db import make_engine  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL_ENV = "TRACKER_BENCH_POSTGRES_URL"
DAY = date(2026, 5, 18)  # a Monday: the weekly summary runs too
MORNING = datetime(DAY.year, DAY.month, DAY.day, 8, 0, tzinfo=WARD_TZ)
GOAL_WARDS, GOAL_PROCESSES, GOAL_SECONDS = 3300, 2, 300.0
TELEGRAM_LIMIT = 30  # messages per second per bot
MB = 1024 * 1024
# Room kept free on the disk and in memory beyond the estimate: the server's WAL, the OS, other users.
DISK_MARGIN, MEMORY_MARGIN = 5 * 1024 * MB, 2 * 1024 * MB


# ---------------------------------------------------------------- databases


@dataclass
class Server:
    """The admin engine and the databases this run created, all dropped by `drop_all`."""

    admin: Engine
    prefix: str = field(default_factory=lambda: f"tracker_scale_{os.getpid()}_{secrets.token_hex(2)}")
    created: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        if template is None:
            _create_database(self.admin, name)
        else:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        _drop_database(self.admin, name)
        self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.dispose()

    def size(self, name: str) -> int:
        with self.admin.connect() as connection:
            return int(connection.execute(sa.text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one())


def build(url: str, wards: int, tasks: int) -> None:
    """The wards with daily_check's mix of open tasks (one transaction per ward keeps memory flat)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        populate(engine, wards, tasks)
    finally:
        engine.dispose()  # a template must have no connection left when it is copied


# ---------------------------------------------------------------- resources


def available_memory() -> int:
    """Bytes the kernel could give without swapping (MemAvailable), else the free pages."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def data_directory(server: Server) -> str:
    """Where the server keeps its files, to measure the right disk; the current folder if not readable."""
    try:
        with server.admin.connect() as connection:
            return str(connection.exec_driver_sql("SHOW data_directory").scalar_one())
    except sa.exc.SQLAlchemyError:
        return "."


def fits(server: Server, wards: int, measured: tuple[int, int, int] | None, processes: int) -> str | None:
    """Why N wards would not fit, or None. `measured`: (wards, database bytes, peak worker bytes) of a smaller
    N. The template and one working copy exist at once, and the copy grows by the morning's rows."""
    if measured is None:
        return None
    base_wards, base_bytes, worker_bytes = measured
    need_disk = int(base_bytes * wards / base_wards * 2.2) + DISK_MARGIN
    free_disk = shutil.disk_usage(data_directory(server)).free
    if need_disk > free_disk:
        return f"cần ~{need_disk / 1024**3:.1f} GB đĩa, còn trống {free_disk / 1024**3:.1f} GB"
    # catch_up holds one ward at a time, so a worker's memory should not grow with N; scaled anyway, to be safe.
    need_memory = int(worker_bytes * max(1.0, wards / base_wards) ** 0.5 * processes) + MEMORY_MARGIN
    free_memory = available_memory()
    if need_memory > free_memory:
        return f"cần ~{need_memory / 1024**3:.1f} GB bộ nhớ, còn {free_memory / 1024**3:.1f} GB"
    return None


# ---------------------------------------------------------------- the morning, in worker processes


def peak_rss() -> int:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def morning_worker(url: str, profile: str | None, barrier: Any, results: Any) -> None:
    """One `tracker serve` start-up: catch_up at 08:00 for every ward. Reports times, outcome counts, RSS."""
    from jobs.scheduler import catch_up

    engine = make_engine(url)
    clock = FixedClock(MORNING)
    statuses: Counter[str] = Counter()
    barrier.wait()
    started = time.time()
    try:
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(catch_up, engine, clock, at=MORNING)
            profiler.dump_stats(profile)
        else:
            report = catch_up(engine, clock, at=MORNING)
        statuses.update(o.status for o in report.outcomes)
        error = ""
    except Exception as exc:  # noqa: BLE001 (reported to the parent, which prints it)
        error = f"{type(exc).__name__}: {exc}"
    finished = time.time()
    engine.dispose()
    results.put({"started": started, "finished": finished, "statuses": dict(statuses), "error": error,
                 "rss": peak_rss()})


def collect(results: Any, workers: list[Any]) -> list[dict[str, Any]]:
    """One report per worker; a worker that died without one (killed, Ctrl+C) counts as an error instead
    of leaving the parent waiting forever, so that the databases are always dropped."""
    import queue

    reports: list[dict[str, Any]] = []
    while len(reports) < len(workers):
        try:
            reports.append(results.get(timeout=1.0))
        except queue.Empty:
            if all(w.exitcode is not None for w in workers) and results.empty():
                missing = len(workers) - len(reports)
                reports += [{"started": 0.0, "finished": 0.0, "statuses": {}, "rss": 0,
                             "error": "tiến trình dừng mà không báo kết quả"}] * missing
    return reports


def run_workers(processes: int, target: Callable[..., None],
                args: Callable[[int], tuple[Any, ...]]) -> list[dict[str, Any]]:
    """P spawned processes, the i-th running target(*args(i), barrier, results): they wait on the barrier so
    that they start together, and each puts one report on the queue. The reports, once every process ended."""
    context = mp.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=target, args=(*args(i), barrier, results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    reports = collect(results, workers)
    for worker in workers:
        worker.join()
    return reports


@dataclass(frozen=True)
class MorningResult:
    processes: int
    seconds: float
    jobruns: int
    outbox: int
    duplicates: int
    errors: int
    peaks_mb: list[float]
    statuses: dict[str, int]
    messages: list[str]


def count_rows(url: str) -> tuple[int, int, int]:
    """JobRun rows, outbox rows, and duplicates: dedupe keys shared, JobRun per ward, job and day beyond one."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            jobruns = connection.exec_driver_sql("SELECT count(*) FROM job_run").scalar_one()
            outbox = connection.exec_driver_sql("SELECT count(*) FROM notification").scalar_one()
            duplicates = connection.exec_driver_sql(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notification GROUP BY dedupe_key"
                " HAVING count(*) > 1) d").scalar_one()
            duplicates += connection.exec_driver_sql(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM job_run GROUP BY org_id, job, day"
                " HAVING count(*) > 1) d").scalar_one()
        return int(jobruns), int(outbox), int(duplicates)
    finally:
        engine.dispose()


def run_morning(url: str, processes: int, profile: str | None = None) -> MorningResult:
    """P spawned processes released together by a barrier; wall time from the first start to the last end."""
    reports = run_workers(processes, morning_worker, lambda i: (url, profile if i == 0 else None))
    jobruns, outbox, duplicates = count_rows(url)
    statuses: Counter[str] = Counter()
    for report in reports:
        statuses.update(report["statuses"])
    errors = statuses.get("error", 0) + sum(1 for r in reports if r["error"])
    finished = [r for r in reports if r["finished"]]
    seconds = max(r["finished"] for r in finished) - min(r["started"] for r in finished) if finished else 0.0
    return MorningResult(processes, seconds, jobruns, outbox, duplicates, errors,
                         [r["rss"] / MB for r in reports], dict(statuses), [r["error"] for r in reports if r["error"]])


# ---------------------------------------------------------------- the sender


def bind_everyone(url: str) -> int:
    """A Telegram chat for every person who has none yet, so that every message goes to the bot."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return connection.execute(sa.text(
                "INSERT INTO chat_identity (org_id, person_id, channel, external_id, active, bound_at,"
                " unreachable_reason) SELECT p.org_id, p.id, 'telegram', p.org_id || '-' || p.id, true, :at, ''"
                " FROM person p WHERE NOT EXISTS (SELECT 1 FROM chat_identity c WHERE c.person_id = p.id)"),
                {"at": datetime(2026, 1, 5, tzinfo=UTC)}).rowcount
    finally:
        engine.dispose()


def sender_worker(url: str, api_url: str, token: str, seconds: float, log_path: str, barrier: Any,
                  results: Any) -> None:
    """A Sender built as app/service.py `_run` builds it (SharedRateLimiter on the real clock), sending for
    `seconds` seconds. The sender's own clock stands at the morning, as under TRACKER_NOW, so office hours hold."""
    import asyncio
    import io

    from bots.channels import LogChannel
    from bots.shared_pace import SharedRateLimiter
    from bots.telegram import TelegramChannel
    from jobs.sender import Sender
    from tracker.clock import SystemClock

    async def send() -> None:
        engine = make_engine(url)
        channels = {"telegram": TelegramChannel(token, api_base_url=api_url),
                    "log": LogChannel(Path(log_path), stream=io.StringIO())}
        # Paced in real seconds, as in `tracker serve`: with the frozen clock the spacing would never elapse.
        limiter = SharedRateLimiter(engine, SystemClock())
        sender = Sender(engine, FixedClock(MORNING), channels, name=f"scale-{os.getpid()}", limiter=limiter)
        stop = asyncio.Event()
        await asyncio.to_thread(barrier.wait)
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await sender.run(stop)
        engine.dispose()

    error = ""
    try:
        asyncio.run(send())
    except Exception as exc:  # noqa: BLE001 (reported to the parent)
        error = f"{type(exc).__name__}: {exc}"
    results.put({"error": error, "rss": peak_rss()})


@dataclass(frozen=True)
class SenderResult:
    processes: int
    sent: int
    busiest: dict[str, int]
    errors: list[str]


def busiest_second(stamps: list[float]) -> int:
    """The most stamps within any one-second window (a window starting at each stamp)."""
    stamps, first, best = sorted(stamps), 0, 0
    for last, at in enumerate(stamps):
        while stamps[first] <= at - 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def run_sender(url: str, processes: int, seconds: float, folder: Path) -> SenderResult:
    from fake_telegram import TOKEN, FakeTelegramServer

    with FakeTelegramServer(token=TOKEN) as server:
        reports = run_workers(processes, sender_worker,
                              lambda i: (url, server.url, TOKEN, seconds, str(folder / f"log-{i}.txt")))
        stamps = [d.at for d in server.deliveries]
    # One server, one token: the deployment's single Telegram bot, which all wards share.
    return SenderResult(processes, len(stamps), {TOKEN.split(":")[0]: busiest_second(stamps)},
                        [r["error"] for r in reports if r["error"]])


# ---------------------------------------------------------------- report


def print_morning_table(wards: int, rows: list[MorningResult]) -> None:
    print(f"\n{wards} phường × nhiệm vụ đang mở, buổi sáng {MORNING:%H:%M %d/%m/%Y}:")
    print(f"{'P':>3} {'thời gian (s)':>14} {'JobRun':>9} {'hộp thư đi':>11} {'trùng':>6} {'lỗi':>5}  RSS đỉnh (MB)")
    for r in rows:
        peaks = ", ".join(f"{mb:.0f}" for mb in r.peaks_mb)
        print(f"{r.processes:>3} {r.seconds:>14.1f} {r.jobruns:>9} {r.outbox:>11} {r.duplicates:>6} {r.errors:>5}  "
              f"{peaks}")
    for r in rows:
        print(f"    P={r.processes}: kết quả các lượt chạy {dict(sorted(r.statuses.items()))}")
        for message in r.messages:
            print(f"    P={r.processes}: LỖI {message}")


def print_growth(results: dict[int, list[MorningResult]]) -> None:
    if not results:
        return
    smallest = min(results)
    print("\nThời gian tăng theo N (giây cho mỗi 1.000 phường; tỷ lệ so với N nhỏ nhất):")
    base = {r.processes: r.seconds for r in results[smallest]}
    for wards, rows in sorted(results.items()):
        cells = [f"P={r.processes}: {r.seconds / wards * 1000:.1f} s/1.000 phường, "
                 f"×{r.seconds / base[r.processes]:.1f} (N ×{wards / smallest:g})" for r in rows if r.processes in base]
        print(f"  N={wards}: " + "; ".join(cells))
    goal = [r for r in results.get(GOAL_WARDS, []) if r.processes == GOAL_PROCESSES]
    if goal:
        verdict = "đạt" if goal[0].seconds < GOAL_SECONDS else "chưa đạt"
        print(f"Mục tiêu {GOAL_WARDS} phường với {GOAL_PROCESSES} tiến trình < {GOAL_SECONDS:g} s: "
              f"{goal[0].seconds:.0f} s, {verdict}.")


def print_sender_table(wards: int, outbox: int, seconds: float, rows: list[SenderResult]) -> None:
    print(f"\nBộ gửi, {wards} phường ({outbox} tin trong hộp thư đi), {seconds:g} s mỗi lượt, "
          f"máy chủ Telegram giả lập, bộ giới hạn chung của các tiến trình:")
    print(f"{'P':>3} {'đã gửi':>8} {'tin/giây':>9}  nhiều nhất trong 1 giây (giới hạn {TELEGRAM_LIMIT})")
    for r in rows:
        busiest = ", ".join(f"bot {token}: {n} ({'vượt' if n > TELEGRAM_LIMIT else 'trong'} giới hạn)"
                            for token, n in r.busiest.items())
        print(f"{r.processes:>3} {r.sent:>8} {r.sent / seconds:>9.1f}  {busiest}")
        for error in r.errors:
            print(f"    P={r.processes}: LỖI {error}")


# ---------------------------------------------------------------- main


def measure_wards(server: Server, wards: int, options: argparse.Namespace) -> tuple[list[MorningResult], int]:
    """Build the template of N wards, then one morning per P on a fresh copy. Returns the results and the
    template's size in bytes."""
    template = f"{server.prefix}_{wards}"
    start = time.perf_counter()
    build(server.create(template), wards, options.tasks)
    size = server.size(template)
    print(f"\nN={wards}: đã tạo {wards} phường × {options.tasks} nhiệm vụ trong {time.perf_counter() - start:.1f} s "
          f"({size / MB:.0f} MB).", flush=True)
    rows = []
    for processes in options.processes:
        copy = f"{template}_p{processes}"
        url = server.create(copy, template)
        profile = options.profile if wards == max(options.wards) and processes == options.processes[0] else None
        rows.append(run_morning(url, processes, profile))
        print(f"  P={processes}: {rows[-1].seconds:.1f} s", flush=True)
        server.drop(copy)
    return rows, size


def measure_sender(server: Server, wards: int, options: argparse.Namespace) -> None:
    template = f"{server.prefix}_{wards}"
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"{server.prefix}_sender"
    folder.mkdir(parents=True, exist_ok=True)
    rows, outbox = [], 0
    for processes in options.processes:
        copy = f"{template}_send{processes}"
        url = server.create(copy, template)
        bind_everyone(url)
        run_morning(url, 1)  # the morning's messages, the same for every P
        outbox = count_rows(url)[1]
        rows.append(run_sender(url, processes, options.send_seconds, folder))
        print(f"  bộ gửi P={processes}: {rows[-1].sent} tin", flush=True)
        server.drop(copy)
    shutil.rmtree(folder, ignore_errors=True)
    print_sender_table(wards, outbox, options.send_seconds, rows)


def run(server: Server, options: argparse.Namespace) -> None:
    results: dict[int, list[MorningResult]] = {}
    measured: tuple[int, int, int] | None = None
    smallest = min(options.wards)
    for wards in sorted(options.wards):
        reason = fits(server, wards, measured, max(options.processes))
        if reason:
            print(f"\nDừng trước N={wards}: {reason}.")
            break
        rows, size = measure_wards(server, wards, options)
        results[wards] = rows
        print_morning_table(wards, rows)
        measured = (wards, size, int(max(mb for r in rows for mb in r.peaks_mb) * MB))
        if wards == smallest and options.send_seconds > 0:
            measure_sender(server, smallest, options)  # first, so that a long run prints it early
        server.drop(f"{server.prefix}_{wards}")
    print_growth(results)


def _numbers(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("cần các số nguyên dương, cách nhau bằng dấu phẩy")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=_numbers, default=[100, 1000, 3300])
    parser.add_argument("--processes", type=_numbers, default=[1, 2, 4])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--send-seconds", type=float, default=20.0, help="0: không đo bộ gửi")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile của tiến trình đầu tiên, lượt P đầu tiên, N lớn nhất, ghi vào FILE")
    parser.add_argument("--postgres", metavar="URL",
                        default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    options = parser.parse_args(argv)
    server = Server(_admin_engine(options.postgres))
    started = time.perf_counter()
    try:
        run(server, options)
    except KeyboardInterrupt:
        print("\nĐã dừng theo yêu cầu (Ctrl+C).")
    finally:
        server.drop_all()
    print(f"\nTổng thời gian chạy: {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
