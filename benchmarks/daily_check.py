"""Daily-check benchmark: one full morning of scheduled jobs for many wards, against raw SQL.

It creates 100 wards (9 units, their people and a bound chat for every leader and unit head) with 1,000
open tasks each, due from six weeks before to two months after a fixed Monday, with the bulk inserts of
benchmarks/storage.py (whose ward builder it reuses). Then it measures:

(a) the full daily run: ``jobs.runner.run_job`` for every job (daily reminders, leaders' digest, weekly
    summary, results request, extension notices) for all wards at 08:00 on the Monday, rendering the
    messages and writing the outbox rows; the previous working day is run first as a warm-up, so the
    outbox is not empty and caches are warm, as in a service that has been running;
(b) the reminder rules alone: ``tracker.reminders.daily_reminders`` for every ward in one transaction
    (what (a) reads to decide who is owed what, without (a)'s transaction per ward), against
(c) one raw SQL query that selects the same tasks for all wards: open, not recurring, assigned by the
    day, and due in 3, 1 or 0 working days (a deadline on a day off counting for the working day before)
    or overdue, fetched in full.

Printed: the time of (a) with the rows it wrote, and the ratios (a)/(c) and (b)/(c). Aim: (a) under 10 s;
(b) within 3x of (c). (a) does far more than (c) (it renders and writes ~1,300 messages), so its ratio is
information, not a goal. Nothing is asserted: this is a measurement, not a test.

Run from the project folder:

    uv run python benchmarks/daily_check.py [--wards 100] [--tasks 1000] [--repeat 5] [--sqlite PATH]
                                            [--postgres URL]

SQLite uses a temporary file unless ``--sqlite`` names a new file. PostgreSQL runs only with ``--postgres``
(or TRACKER_BENCH_POSTGRES_URL): the benchmark creates a database of its own on that server and drops it
at the end; it never writes to the database the URL names.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from storage import (  # noqa: E402  (the sibling benchmark's ward builder and bulk insert)
    UNITS,
    Ward,
    _admin_engine,
    _create_database,
    _drop_database,
    create_ward,
    insert_tasks,
    sqlite_database,
)

from jobs.runner import run_job  # noqa: E402
from tracker.clock import WARD_TZ, FixedClock  # noqa: E402
from tracker.db import make_engine  # noqa: E402
from tracker.jobdays import JOBS, ward_rules  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import ChatIdentity, DeadlineKind, Notification, Organization, Person, Role  # noqa: E402
from tracker.reminders import daily_reminders, reminder_due_dates  # noqa: E402

SEED = 20260518
DAY = date(2026, 5, 18)  # a Monday: the weekly summary runs too
WARM_UP_DAY = date(2026, 5, 15)
GOAL_SECONDS, GOAL_RATIO = 10.0, 3.0
POSTGRES_URL_ENV = "TRACKER_BENCH_POSTGRES_URL"
TITLES = ("Tham mưu UBND phường ban hành kế hoạch", "Tổ chức triển khai", "Kiểm tra, rà soát", "Báo cáo kết quả",
          "Phối hợp xử lý dứt điểm")
TOPICS = ("phòng, chống dịch sốt xuất huyết", "chỉnh trang đô thị, trật tự vỉa hè", "chuyển đổi số",
          "an toàn thực phẩm", "giải phóng mặt bằng dự án", "thu ngân sách nhà nước", "tuyển quân năm 2026")


def open_task(rng: random.Random, ward: Ward) -> dict[str, Any]:
    """An open task: 80 % with a due date from 6 weeks before to 2 months after DAY, 10 % recurring, 10 %
    without a deadline."""
    unit = rng.choices(UNITS, weights=[u.share for u in UNITS])[0]
    draw = rng.random()
    kind = DeadlineKind.DATE if draw < 0.8 else DeadlineKind.RECURRING if draw < 0.9 else DeadlineKind.NONE
    due = DAY + timedelta(days=rng.randint(-42, 60)) if kind == DeadlineKind.DATE else None
    assigned = min(due - timedelta(days=rng.randint(7, 60)), DAY) if due else DAY - timedelta(days=rng.randint(1, 200))
    created = datetime(assigned.year, assigned.month, assigned.day, 1, 30, tzinfo=UTC)
    return {
        "org_id": ward.org_id, "title": f"{rng.choice(TITLES)} {rng.choice(TOPICS)}", "expected_output": "Báo cáo",
        "owner_unit_id": ward.unit_ids[unit.key], "coordinating_unit_ids": [], "outside_bodies": [],
        "supervising_leader_id": ward.leader_ids[unit.leader], "deadline_text": "", "deadline_kind": kind.value,
        "due_on": due, "original_due_on": None, "milestones": [], "due_is_default": False,
        "recurrence": "hằng tháng" if kind == DeadlineKind.RECURRING else "", "status": "open",
        "assigned_on": assigned, "finished_on": None, "status_reason": "", "report_month_overrides": {},
        "source_document_id": None, "item_ref": str(rng.randint(1, 30)), "version": 1, "created_at": created,
        "updated_at": created,
    }


def bind_chats(connection: sa.Connection, org_id: int) -> None:
    """A Telegram chat for every leader and unit head, as in a ward that finished its set-up."""
    people = connection.execute(sa.select(Person.__table__.c.id).where(
        Person.__table__.c.org_id == org_id, Person.__table__.c.role.in_((Role.LEADER.value, Role.UNIT_HEAD.value))))
    rows = [{"org_id": org_id, "person_id": pid, "channel": "telegram", "external_id": f"{org_id}-{pid}",
             "active": True, "bound_at": datetime(2026, 1, 5, tzinfo=UTC), "unreachable_reason": ""}
            for (pid,) in people]
    connection.execute(sa.insert(ChatIdentity.__table__), rows)


def populate(engine: Engine, wards: int, tasks: int) -> None:
    rng = random.Random(SEED)
    for number in range(1, wards + 1):
        with engine.begin() as connection:
            ward = create_ward(connection, number)
            bind_chats(connection, ward.org_id)
            insert_tasks(connection, [open_task(rng, ward) for _ in range(tasks)])
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=WARD_TZ)


def full_run(engine: Engine, day: date) -> tuple[float, int, dict[str, int]]:
    """Every job for every ward at 08:00 on `day`: seconds, rows written, rows per job."""
    clock = FixedClock(morning(day))
    per_job: dict[str, int] = {}
    start = time.perf_counter()
    for job in JOBS:
        per_job[job] = sum(o.rows for o in run_job(engine, clock, job, at=morning(day)))
    return time.perf_counter() - start, sum(per_job.values()), per_job


def rules_alone(engine: Engine) -> int:
    """tracker.reminders.daily_reminders for every ward, in one transaction like the raw query (the runner's
    transaction per ward is part of (a))."""
    with Session(engine) as session:
        wards = list(session.exec(select(Organization).order_by(Organization.id)))
        return sum(len(r.lines) for org in wards for r in daily_reminders(session, org=org, day=DAY))


def raw_sql(engine: Engine, due_dates: list[date]) -> int:
    """The same tasks for all wards in one query; the working-day dates are computed once, as a hand-written
    job would."""
    sqlite = engine.dialect.name == "sqlite"
    params: dict[str, Any] = {f"d{i}": (d.isoformat() if sqlite else d) for i, d in enumerate(due_dates)}
    params["day"] = DAY.isoformat() if sqlite else DAY
    marks = ", ".join(f":d{i}" for i in range(len(due_dates)))
    query = sa.text(
        "SELECT t.id, t.org_id, t.owner_unit_id, t.title, t.due_on FROM task t "
        "WHERE t.status = 'open' AND t.deadline_kind <> 'recurring' AND t.due_on IS NOT NULL "
        f"AND t.assigned_on <= :day AND (t.due_on < :day OR t.due_on IN ({marks}))"
    )
    with engine.begin() as connection:
        return len(connection.execute(query, params).fetchall())


def interleaved_medians(operations: dict[str, Any], repeat: int) -> dict[str, tuple[float, Any]]:
    """Median seconds and result of each operation, run once to warm up, then `repeat` times in turn so that
    a busy machine slows them all alike."""
    results = {name: operation() for name, operation in operations.items()}
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(repeat):
        for name, operation in operations.items():
            start = time.perf_counter()
            operation()
            samples[name].append(time.perf_counter() - start)
    return {name: (statistics.median(samples[name]), results[name]) for name in operations}


def benchmark(name: str, url: str, options: argparse.Namespace) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        start = time.perf_counter()
        populate(engine, options.wards, options.tasks)
        print(f"{name}: đã tạo {options.wards} phường × {options.tasks} nhiệm vụ đang mở "
              f"trong {time.perf_counter() - start:.1f} s.")
        with Session(engine) as session:
            org = session.exec(select(Organization)).first()
            due_dates = sorted(reminder_due_dates(ward_rules(org), DAY))
        full_run(engine, WARM_UP_DAY)
        seconds, rows, per_job = full_run(engine, DAY)
        medians = interleaved_medians({"rules": lambda: rules_alone(engine), "raw": lambda: raw_sql(engine, due_dates)},
                                      options.repeat)
        (rules_s, lines), (raw_s, raw_rows) = medians["rules"], medians["raw"]
        with Session(engine) as session:
            total = session.exec(select(sa.func.count()).select_from(Notification)).one()
        if lines != raw_rows:
            print(f"CẢNH BÁO ({name}): quy tắc nhắc việc chọn {lines} nhiệm vụ, SQL thô chọn {raw_rows}.")
        print(f"{name}: (a) chạy đủ {len(JOBS)} việc cho {options.wards} phường ngày {DAY:%d/%m/%Y}: "
              f"{seconds:.2f} s, ghi {rows} tin nhắn ({', '.join(f'{j} {n}' for j, n in per_job.items())}); "
              f"hộp thư đi có {total} dòng. Mục tiêu < {GOAL_SECONDS:g} s: "
              f"{'đạt' if seconds < GOAL_SECONDS else 'chưa đạt'}.")
        print(f"{name}: (b) quy tắc nhắc việc cho mọi phường: {rules_s * 1000:.0f} ms ({lines} nhiệm vụ); "
              f"(c) SQL thô: {raw_s * 1000:.0f} ms ({raw_rows} nhiệm vụ).")
        print(f"{name}: tỷ lệ (b)/(c) = {rules_s / raw_s:.2f}× (mục tiêu ≤ {GOAL_RATIO:g}×: "
              f"{'đạt' if rules_s / raw_s <= GOAL_RATIO else 'chưa đạt'}); tỷ lệ (a)/(c) = {seconds / raw_s:.1f}× "
              f"(tham khảo: (a) còn soạn và ghi tin nhắn).")
    finally:
        engine.dispose()


def benchmark_postgres(server_url: str, options: argparse.Namespace) -> None:
    admin = _admin_engine(server_url)
    name = f"tracker_bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _create_database(admin, name)
    except sa.exc.SQLAlchemyError as exc:
        print(f"Không dùng được PostgreSQL ({str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}).")
        admin.dispose()
        return
    try:
        benchmark("PostgreSQL", admin.url.set(database=name).render_as_string(hide_password=False), options)
    finally:
        _drop_database(admin, name)
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo một buổi sáng chạy đủ các việc theo lịch cho nhiều phường.")
    parser.add_argument("--wards", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite", metavar="PATH", help="tệp SQLite mới (mặc định: một tệp tạm)")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(POSTGRES_URL_ENV),
                        help=f"máy chủ PostgreSQL (mặc định: ${POSTGRES_URL_ENV}; bỏ trống để chỉ đo SQLite)")
    options = parser.parse_args(argv)
    with sqlite_database(options.sqlite) as url:
        benchmark("SQLite", url, options)
    if options.postgres:
        benchmark_postgres(options.postgres, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
