"""Web console benchmark: how long the console takes to serve its busiest pages over one large ward, and how
much memory `tracker serve` holds with the console on once it has served them.

It fills a SQLite file with one ward (9 units, its people) and 10,000 tasks, bulk-inserted as
benchmarks/storage.py does, then gives one open task of the busiest unit 50 history lines through the use
cases (25 results reported and 25 edits by the office clerk, each audited) and the clerk a password.

(a) Server time, through the ASGI application itself (httpx.AsyncClient over httpx.ASGITransport of
    app.web.server.create_app, with the clock fixed at 08:00 on the storage benchmark's reference day),
    after signing in as the clerk through the real password route: the overview (/), the busiest unit's
    overdue tasks (/nhiem-vu?don_vi=…&tinh_trang=in_progress_overdue) and the task page with its 50 history
    lines, each requested 200 times after 5 requests to warm up; p50 and p95 are printed against the aim of
    a p95 under 100 ms. The whole list (the menu's Nhiệm vụ, every task of the ward in pages) and a search
    typed without diacritics are timed the same way. The time is that of one `await client.get(...)`: the
    whole request in the app (session check, one transaction, the use cases, the template) plus the
    in-process transport's small overhead, no network.
(b) Memory: the installed `tracker serve` on a copy of the database with the console on a free loopback
    port (working folder a temporary one, the same fixed clock, no chat tokens), the same requests made
    over real HTTP after signing in, then VmRSS and VmHWM (the peak since start, the start-up catch-up
    included) read from /proc/<pid>/status against the aim of a peak under 200 MB; stopped with SIGTERM.
    The peak is also printed when the service is ready and right after signing in, since the password
    check (argon2) takes memory of its own; the timings over real HTTP are printed for information.

Nothing is asserted: this prints measurements. Linux only (/proc).

Run from the project folder:  uv run python benchmarks/web.py [--tasks 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from serve_memory import memory_mb, wait_ready
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from storage import MEASURED_UNIT, REFERENCE_DAY, populate

from app.web.server import create_app
from tracker.clock import WARD_TZ, FixedClock
from tracker.db import make_engine, session_scope
from tracker.migrate import upgrade
from tracker.models import Person, Task, TaskStatus
from tracker.usecases import TaskChanges, record_update, update_task
from tracker.usecases.web_sign_in import PASSWORD_MEMORY_KIB, set_password

GOAL_P95_MS = 100.0
GOAL_PEAK_MB = 200.0
WARM_UP = 5
HISTORY_LINES = 50
CLERK = "van-thu"
PASSWORD = "mat-khau-do-hieu-nang-2026"
NOW = datetime(REFERENCE_DAY.year, REFERENCE_DAY.month, REFERENCE_DAY.day, 8, 0, tzinfo=WARD_TZ)
STOP_TIMEOUT_SECONDS = 30
# What the password check costs in memory: tracker.usecases.web_sign_in hashes with argon2's defaults.
ARGON2_MIB = PASSWORD_MEMORY_KIB // 1024


@dataclass(frozen=True)
class Pages:
    """The three measured addresses, with the names printed for them."""

    paths: dict[str, str]


def fill(url: str, tasks: int) -> Pages:
    """Migrate and fill the database, give one task its history and the clerk a password; the pages to time."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        [ward] = populate(engine, 1, tasks, REFERENCE_DAY)
        unit_id = ward.unit_ids[MEASURED_UNIT]
        task_id = _give_history(engine, ward.org_id, unit_id)
    finally:
        engine.dispose()
    return Pages({
        "Tổng quan (/)": "/",
        "Danh sách lọc (một đơn vị, quá hạn)": f"/nhiem-vu?don_vi={unit_id}&tinh_trang=in_progress_overdue",
        f"Trang nhiệm vụ ({HISTORY_LINES} dòng lịch sử)": f"/nhiem-vu/{task_id}",
        "Danh sách đầy đủ, trang 1 (/nhiem-vu)": "/nhiem-vu",
        "Tìm không dấu (tu_khoa=ve sinh moi truong)": "/nhiem-vu?tu_khoa=ve+sinh+moi+truong",
    })


def _give_history(engine: Engine, org_id: int, unit_id: int) -> int:
    clock = FixedClock(NOW - timedelta(days=HISTORY_LINES))
    with session_scope(engine) as session:
        people = {p.key: p for p in session.exec(select(Person).where(Person.org_id == org_id))}
        clerk = people[CLERK]
        set_password(session, clock=clock, actor=people["quan-tri"], person_id=clerk.id or 0, password=PASSWORD)
        task = session.exec(select(Task).where(Task.org_id == org_id, Task.owner_unit_id == unit_id,
                                               Task.status == TaskStatus.OPEN, col(Task.due_on).is_not(None))
                            .order_by(col(Task.id))).first()
        assert task is not None and task.id is not None
        for n in range(HISTORY_LINES // 2):
            clock.advance(timedelta(days=1))
            record_update(session, clock=clock, actor=clerk, task_id=task.id,
                          result_text=f"Đã triển khai bước {n + 1}: rà soát hồ sơ, làm việc với tổ dân phố.",
                          forecast="Hoàn thành đúng hạn", recommendation="", reports_completion=False,
                          month=None, channel="web")
            update_task(session, clock=clock, actor=clerk, task_id=task.id, expected_version=task.version,
                        changes=TaskChanges(expected_output=f"Báo cáo kết quả lần {n + 1}"), channel="web")
        return task.id


# ---------------------------------------------------------------- (a) through the ASGI application


@dataclass(frozen=True)
class Timing:
    label: str
    p50_ms: float
    p95_ms: float
    requests: int


def timing(label: str, seconds: list[float]) -> Timing:
    """p50 and p95 of the samples, in ms."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = statistics.quantiles(ms, n=100, method="inclusive")[94]
    return Timing(label, statistics.median(ms), p95, len(ms))


async def _sign_in_async(client: httpx.AsyncClient) -> None:
    token = _form_token((await client.get("/dang-nhap")).text)
    answer = await client.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": CLERK, "phuong": "",
                                                            "mat_khau": PASSWORD, "tiep": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"Không đăng nhập được (mã {answer.status_code}).")


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    if not found:
        raise SystemExit("Trang đăng nhập không có biểu mẫu.")
    return found.group(1)


async def _timed(get: Callable[[], Awaitable[httpx.Response]], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        answer = await get()
        samples.append(time.perf_counter() - start)
        if answer.status_code != 200:
            raise SystemExit(f"Trang trả về mã {answer.status_code}: {answer.url}")
    return samples


async def measure_asgi(url: str, pages: Pages, requests: int) -> list[Timing]:
    """Each page `requests` times through the ASGI application, after signing in and warming up."""
    engine = make_engine(url)
    transport = httpx.ASGITransport(app=create_app(engine, FixedClock(NOW)))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
            await _sign_in_async(client)
            results = []
            for label, path in pages.paths.items():
                await _timed(lambda path=path: client.get(path), WARM_UP)
                results.append(timing(label, await _timed(lambda path=path: client.get(path), requests)))
            return results
    finally:
        engine.dispose()


# ---------------------------------------------------------------- (b) tracker serve over real HTTP


@dataclass(frozen=True)
class Served:
    timings: list[Timing]
    peaks_mb: dict[str, float]  # VmHWM when ready, after signing in, after the requests
    rss_mb: float
    exit_code: int

    @property
    def peak_mb(self) -> float:
        return max(self.peaks_mb.values())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure_serve(folder: Path, database: Path, pages: Pages, requests: int) -> Served:
    """Start `tracker serve` with the console on a copy of `database`, make the requests, measure, stop."""
    port = _free_port()
    script = Path(sys.executable).parent / "tracker"
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{database}", "TRACKER_NOW": NOW.isoformat(),
           "TRACKER_WEB_LISTEN": f"127.0.0.1:{port}"}
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TRACKER_ORG", "TRACKER_AS", "TRACKER_WEB_BASE_URL"):
        env.pop(name, None)
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        process = subprocess.Popen([str(script), "serve"], cwd=folder, env=env, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL)
        try:
            wait_ready(process, folder / "logs" / "tracker.log")
            peaks = {"ready": memory_mb(process.pid)["VmHWM"]}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                _sign_in(client)
                peaks["signed_in"] = memory_mb(process.pid)["VmHWM"]
                timings = _over_http(client, pages, requests)
            figures = memory_mb(process.pid)
            peaks["served"] = figures["VmHWM"]
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return Served(timings, peaks, figures["VmRSS"], code)


def _sign_in(client: httpx.Client) -> None:
    token = _form_token(client.get("/dang-nhap").text)
    answer = client.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": CLERK, "phuong": "",
                                                      "mat_khau": PASSWORD, "tiep": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"Không đăng nhập được vào tracker serve (mã {answer.status_code}).")


def _over_http(client: httpx.Client, pages: Pages, requests: int) -> list[Timing]:
    results = []
    for label, path in pages.paths.items():
        samples = []
        for _ in range(WARM_UP + requests):
            start = time.perf_counter()
            if client.get(path).status_code != 200:
                raise SystemExit(f"tracker serve trả lỗi cho {path}.")
            samples.append(time.perf_counter() - start)
        results.append(timing(label, samples[WARM_UP:]))
    return results


# ---------------------------------------------------------------- report


def print_timings(title: str, timings: list[Timing]) -> None:
    print(title)
    width = max(len(t.label) for t in timings)
    for t in timings:
        verdict = "đạt" if t.p95_ms < GOAL_P95_MS else "chưa đạt"
        print(f"  {t.label.ljust(width)}  p50 {t.p50_ms:6.1f} ms  p95 {t.p95_ms:6.1f} ms  "
              f"({t.requests} lần; mục tiêu p95 < {GOAL_P95_MS:g} ms: {verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo thời gian phục vụ của trang quản lý và bộ nhớ của tracker serve.")
    parser.add_argument("--tasks", type=int, default=10_000, help="số nhiệm vụ của phường (mặc định 10000)")
    parser.add_argument("--requests", type=int, default=200, help="số lần tải mỗi trang (mặc định 200)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tracker_web_bench_") as name:
        folder = Path(name)
        database = folder / "tracker.db"
        start = time.perf_counter()
        pages = fill(f"sqlite:///{database}", options.tasks)
        total = f"{options.tasks:,}".replace(",", ".")
        print(f"SQLite: đã tạo 1 phường, {total} nhiệm vụ, {HISTORY_LINES} dòng lịch sử cho một nhiệm vụ "
              f"trong {time.perf_counter() - start:.1f} s.")
        timings = asyncio.run(measure_asgi(f"sqlite:///{database}", pages, options.requests))
        print_timings("(a) Thời gian xử lý trong ứng dụng ASGI (httpx.ASGITransport), đã đăng nhập là văn thư:",
                      timings)
        served = measure_serve(folder, database, pages, options.requests)
    print_timings("(b) Qua HTTP thật tới tracker serve (tham khảo, có cả mạng loopback):", served.timings)
    verdict = "đạt" if served.peak_mb < GOAL_PEAK_MB else "chưa đạt"
    peaks = served.peaks_mb
    print(f"tracker serve có trang quản lý, sau {len(served.timings) * options.requests} lần tải trang: "
          f"VmRSS {served.rss_mb:.1f} MB, đỉnh (VmHWM) {served.peak_mb:.1f} MB "
          f"(mục tiêu < {GOAL_PEAK_MB:g} MB: {verdict}); dừng bằng SIGTERM, mã thoát {served.exit_code}.")
    print(f"  đỉnh khi sẵn sàng {peaks['ready']:.1f} MB, sau khi đăng nhập bằng mật khẩu {peaks['signed_in']:.1f} MB "
          f"(argon2 dùng {ARGON2_MIB} MiB khi kiểm tra mật khẩu), sau các lần tải trang {peaks['served']:.1f} MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
