"""Storage benchmark: how much the project's ORM query path costs compared with raw SQL.

It creates 10 wards of 9 units and 10,000 tasks each (a realistic mix of statuses, deadline kinds and
dates around a fixed reference day, from a fixed random seed), then measures on SQLite and on PostgreSQL:

(a) one unit's open tasks: ``tracker.usecases.list_tasks`` (an office person of the ward, one unit,
    statuses open and reported done) against ``SELECT * FROM task WHERE ... ORDER BY ...`` run with
    ``Connection.exec_driver_sql`` and fetched in full;
(b) a whole ward classified on the reference day: ``tracker.usecases.ward_stats`` (the ward's admin)
    against one ``GROUP BY`` query whose ``CASE`` computes the status classes in SQL, the fastest honest
    raw equivalent. For information it is also compared with a raw ``SELECT`` of the narrow columns
    followed by ``tracker.status.classify`` in a plain loop, which separates the cost of SQLAlchemy and
    SQLModel from the cost of classifying in Python.

Every run of either path opens its own session or connection (checkout from the pool, BEGIN, query,
COMMIT), so the ORM's identity map never carries rows from one run to the next. Each operation runs once
to warm up, then ``--repeat`` times; the runs of the different operations are interleaved, in an order
that rotates from one repetition to the next, and the median is printed with the ratio ORM / raw.
The aim is a ratio within 2x and one ward classified in under 100 ms. Nothing is asserted: this is a
measurement, not a test. The ORM and raw results are compared and a warning is printed if they differ.

Run from the project folder:

    uv run python benchmarks/storage.py [--sqlite PATH] [--postgres URL] [--wards 10] [--tasks 10000]
                                        [--repeat 20]

SQLite uses a temporary file unless ``--sqlite`` names a file, which must not exist yet. PostgreSQL is
reached through ``--postgres``, else ``TRACKER_BENCH_POSTGRES_URL``, else
``postgresql://postgres@127.0.0.1:5432/test``; ``--postgres ""`` skips it. The benchmark never writes to
the database of that URL: it creates a fresh database ``tracker_bench_<pid>_<random>`` on the same
server, fills it, and drops it at the end, also after an error. An unreachable server is reported and
the run goes on with SQLite alone.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import select

from tracker.db import make_engine, normalize_url, session_scope
from tracker.migrate import upgrade
from tracker.models import DeadlineKind, Organization, Person, Role, Task, TaskStatus, Unit
from tracker.status import TaskFacts, classify
from tracker.usecases import list_tasks, ward_stats

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_URL_ENV = "TRACKER_BENCH_POSTGRES_URL"
SEED = 20260515
# A fixed day rather than today, so that every run classifies the same data the same way.
REFERENCE_DAY = date(2026, 5, 15)
INSERT_CHUNK = 5_000
GOAL_RATIO = 2.0
GOAL_CLASSIFY_MS = 100.0
OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.REPORTED_DONE)


@dataclass(frozen=True)
class UnitSpec:
    key: str
    name: str
    short_name: str
    leader: str
    share: int  # relative number of tasks: the economic and office units carry the most


UNITS = (
    UnitSpec("vhxh", "Phòng Văn hóa - Xã hội", "VHXH", "pct-vx", 14),
    UnitSpec("kthtdt", "Phòng Kinh tế, Hạ tầng và Đô thị", "KT,HT&ĐT", "pct-kt", 22),
    UnitSpec("vp", "Văn phòng HĐND và UBND", "VP", "chu-tich", 12),
    UnitSpec("ttpvhcc", "Trung tâm Phục vụ hành chính công", "TTPVHCC", "pct-vx", 10),
    UnitSpec("ttdvsnc", "Trung tâm Dịch vụ sự nghiệp công", "TTDVSNC", "pct-kt", 10),
    UnitSpec("bchqs", "Ban Chỉ huy Quân sự", "BCHQS", "chu-tich", 6),
    UnitSpec("ca", "Công an phường", "CA", "chu-tich", 12),
    UnitSpec("tyt", "Trạm Y tế", "TYT", "pct-vx", 6),
    UnitSpec("bqlda", "Ban Quản lý dự án đầu tư xây dựng", "BQLDA", "pct-kt", 8),
)
# The unit whose open tasks are listed in (a): the busiest one, the worst case for a reminder run.
MEASURED_UNIT = "kthtdt"
MEMBERS_PER_UNIT = 3

LEADERS = (
    ("chu-tich", "Chủ tịch UBND phường"),
    ("pct-kt", "Phó Chủ tịch UBND phường (kinh tế)"),
    ("pct-vx", "Phó Chủ tịch UBND phường (văn hóa - xã hội)"),
)
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
GIVEN_NAMES = ("Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thị Hà", "Hữu Khang", "Thu Lan", "Đức Long",
               "Thị Mai", "Thanh Nam", "Ngọc Oanh", "Văn Phúc", "Thị Quyên", "Công Sơn", "Thị Thảo")

TASK_VERBS = ("Tham mưu UBND phường ban hành kế hoạch", "Tổ chức triển khai", "Kiểm tra, rà soát",
              "Báo cáo kết quả thực hiện", "Phối hợp xử lý dứt điểm", "Tổng hợp, đề xuất giải pháp")
TASK_TOPICS = ("phòng, chống dịch sốt xuất huyết", "chỉnh trang đô thị, trật tự vỉa hè",
               "cải cách hành chính và chuyển đổi số", "an toàn thực phẩm trên địa bàn",
               "bồi thường, giải phóng mặt bằng dự án", "thu ngân sách nhà nước", "tuyển quân năm 2026",
               "bảo đảm an ninh trật tự dịp lễ", "hồ sơ thủ tục hành chính quá hạn", "vệ sinh môi trường khu dân cư",
               "công trình xây dựng không phép", "chi trả chính sách an sinh xã hội")
RECURRENCES = ("hằng tuần", "hằng tháng", "hằng quý")
# Assumed shares of the deadline kinds in a ward's conclusion notices.
KIND_WEIGHTS = {DeadlineKind.DATE: 55, DeadlineKind.MONTH: 20, DeadlineKind.RECURRING: 15, DeadlineKind.NONE: 10}


# ---------------------------------------------------------------- databases


@contextmanager
def sqlite_database(path: str | None) -> Iterator[str]:
    """A SQLite URL: a temporary file removed at the end, or a new file at `path` that is kept."""
    if path:
        target = Path(path)
        if target.exists():
            raise SystemExit(f"Tệp {target} đã tồn tại: hãy chọn một tệp mới để không làm hỏng dữ liệu có sẵn.")
        yield f"sqlite:///{target}"
        return
    with tempfile.TemporaryDirectory(prefix="tracker_bench_") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


def postgres_server_url(option: str | None) -> str | None:
    """The server to create the benchmark database on; None when the user asked to skip PostgreSQL."""
    url = option if option is not None else os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    return url or None


def _admin_engine(server_url: str) -> Engine:
    # CREATE and DROP DATABASE refuse to run inside a transaction; NullPool leaves no idle
    # connection behind that would keep the server busy after the benchmark.
    return sa.create_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool,
                            connect_args={"connect_timeout": 5})


def _create_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {admin.dialect.identifier_preparer.quote(name)}")


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        version = connection.dialect.server_version_info or (0,)
        # FORCE ends connections a crash may have left open (PostgreSQL 13 and later).
        force = " WITH (FORCE)" if version >= (13,) else ""
        quoted = admin.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{force}")


def benchmark_postgres(server_url: str, options: argparse.Namespace) -> DatabaseReport | None:
    """Benchmark PostgreSQL in a database of its own on the server, dropped afterwards; None if unreachable."""
    admin = _admin_engine(server_url)
    shown = admin.url.render_as_string(hide_password=True)
    name = f"tracker_bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _create_database(admin, name)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        print(f"Không dùng được PostgreSQL tại {shown} ({reason}); chỉ đo SQLite.")
        admin.dispose()
        return None
    print(f"PostgreSQL: tạo cơ sở dữ liệu tạm «{name}» trên {shown}.")
    try:
        bench_url = admin.url.set(database=name).render_as_string(hide_password=False)
        return benchmark_database("PostgreSQL", bench_url, options)
    finally:
        _drop_database(admin, name)
        admin.dispose()
        print(f"PostgreSQL: đã xóa cơ sở dữ liệu tạm «{name}».")


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Ward:
    org_id: int
    unit_ids: dict[str, int]
    leader_ids: dict[str, int]


def create_ward(connection: sa.Connection, number: int) -> Ward:
    """One organization with its 9 units and its people (admin, leaders, office, unit heads, members)."""
    now = datetime.now(UTC)
    org_id = connection.execute(
        sa.insert(Organization.__table__).returning(Organization.__table__.c.id),
        {"key": f"phuong-thu-{number:02d}", "name": f"Phường Thử nghiệm {number}", "timezone": "Asia/Ho_Chi_Minh",
         "policy": {}, "admin_key": "quan-tri", "created_at": now},
    ).scalar_one()
    unit_table = Unit.__table__
    connection.execute(sa.insert(unit_table), [
        {"org_id": org_id, "key": u.key, "name": u.name, "short_name": u.short_name, "aliases": [],
         "appendix_order": order, "supervising_leader_id": None, "active": True}
        for order, u in enumerate(UNITS, start=1)
    ])
    unit_ids = _ids_by_key(connection, unit_table, org_id)
    connection.execute(sa.insert(Person.__table__), _people_rows(org_id, unit_ids, random.Random(number)))
    person_ids = _ids_by_key(connection, Person.__table__, org_id)
    leader_ids = {key: person_ids[key] for key, _ in LEADERS}
    # Units and people point at each other, so the units learn their leader only now.
    connection.execute(
        sa.update(unit_table).where(unit_table.c.id == sa.bindparam("unit")).values(
            supervising_leader_id=sa.bindparam("leader")),
        [{"unit": unit_ids[u.key], "leader": leader_ids[u.leader]} for u in UNITS],
    )
    return Ward(org_id=org_id, unit_ids=unit_ids, leader_ids=leader_ids)


def _ids_by_key(connection: sa.Connection, table: sa.Table, org_id: int) -> dict[str, int]:
    rows = connection.execute(sa.select(table.c.key, table.c.id).where(table.c.org_id == org_id))
    return {key: row_id for key, row_id in rows}


def _people_rows(org_id: int, unit_ids: dict[str, int], rng: random.Random) -> list[dict[str, Any]]:
    def person(key: str, title: str, role: Role, unit: str | None) -> dict[str, Any]:
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
        return {"org_id": org_id, "key": key, "name": name, "title": title, "role": role.value,
                "unit_id": unit_ids[unit] if unit else None, "preferred_channel": "telegram", "active": True}

    rows = [person("quan-tri", "Quản trị hệ thống", Role.ADMIN, None)]
    rows += [person(key, title, Role.LEADER, None) for key, title in LEADERS]
    rows.append(person("van-thu", "Chuyên viên Văn phòng HĐND và UBND", Role.OFFICE, "vp"))
    for u in UNITS:
        rows.append(person(f"truong-{u.key}", f"Trưởng {u.name}", Role.UNIT_HEAD, u.key))
        rows += [person(f"cb-{u.key}-{i}", f"Cán bộ {u.short_name}", Role.MEMBER, u.key)
                 for i in range(1, MEMBERS_PER_UNIT + 1)]
    return rows


def _month_end(day: date) -> date:
    first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_of_next - timedelta(days=1)


def _clamp(day: date, low: date, high: date) -> date:
    return max(low, min(day, high))


def task_row(rng: random.Random, ward: Ward, day: date) -> dict[str, Any]:
    """One task as a real ward would hold it on `day`: assigned before it, due around it, older ones
    more often finished, and a finishing day only on tasks reported done or confirmed."""
    unit = rng.choices(UNITS, weights=[u.share for u in UNITS])[0]
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    due_on: date | None = None
    if kind in (DeadlineKind.DATE, DeadlineKind.MONTH):
        due_on = day + timedelta(days=rng.randint(-330, 75))
        if kind == DeadlineKind.MONTH:
            due_on = _month_end(due_on)
        assigned_on = min(due_on - timedelta(days=rng.randint(7, 120)), day - timedelta(days=1))
    else:
        assigned_on = day - timedelta(days=rng.randint(1, 540))

    age = (day - assigned_on).days
    if rng.random() < 0.07:
        status = TaskStatus.CANCELLED
    elif kind == DeadlineKind.RECURRING:
        status = TaskStatus.DONE if rng.random() < 0.1 else TaskStatus.OPEN
    else:
        done_share = min(0.9, age / 150)
        draw = rng.random()
        status = (TaskStatus.DONE if draw < done_share
                  else TaskStatus.REPORTED_DONE if draw < done_share + 0.1 else TaskStatus.OPEN)

    finished_on: date | None = None
    if status == TaskStatus.DONE:
        target = due_on + timedelta(days=rng.randint(-25, 12)) if due_on else assigned_on + timedelta(
            days=rng.randint(3, 90))
        finished_on = _clamp(target, assigned_on, day)
    elif status == TaskStatus.REPORTED_DONE:
        finished_on = _clamp(day - timedelta(days=rng.randint(0, 10)), assigned_on, day)

    others = [u for u in UNITS if u is not unit]
    coordinating = [ward.unit_ids[u.key] for u in rng.sample(others, rng.choice((0, 0, 1, 2)))]
    created_at = datetime(assigned_on.year, assigned_on.month, assigned_on.day, 1, 30, tzinfo=UTC)
    return {
        "org_id": ward.org_id,
        "title": f"{rng.choice(TASK_VERBS)} {rng.choice(TASK_TOPICS)}",
        "expected_output": rng.choice(("Kế hoạch", "Báo cáo", "Tờ trình", "")),
        "owner_unit_id": ward.unit_ids[unit.key],
        "coordinating_unit_ids": coordinating,
        "outside_bodies": [],
        "supervising_leader_id": ward.leader_ids[unit.leader],
        "deadline_text": _deadline_text(kind, due_on),
        "deadline_kind": kind.value,
        "due_on": due_on,
        "original_due_on": None,
        "milestones": [],
        "due_is_default": False,
        "recurrence": rng.choice(RECURRENCES) if kind == DeadlineKind.RECURRING else "",
        "status": status.value,
        "assigned_on": assigned_on,
        "finished_on": finished_on,
        "status_reason": "Không còn phù hợp với tình hình thực tế." if status == TaskStatus.CANCELLED else "",
        "report_month_overrides": {},
        "source_document_id": None,
        "item_ref": str(rng.randint(1, 30)),
        "version": 1,
        "created_at": created_at,
        "updated_at": created_at,
    }


def _deadline_text(kind: DeadlineKind, due_on: date | None) -> str:
    if kind == DeadlineKind.DATE and due_on:
        return f"Trước ngày {due_on:%d/%m/%Y}"
    if kind == DeadlineKind.MONTH and due_on:
        return f"Trong tháng {due_on.month}/{due_on.year}"
    return "Thường xuyên" if kind == DeadlineKind.RECURRING else ""


def insert_tasks(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    # Core executemany in chunks: the drivers batch the rows (psycopg into multi-row VALUES),
    # and no ORM object is built for a row nobody reads.
    statement = sa.insert(Task.__table__)
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.execute(statement, rows[start : start + INSERT_CHUNK])


def populate(engine: Engine, wards: int, tasks_per_ward: int, day: date) -> list[Ward]:
    """Create the wards and their tasks, one transaction per ward, then refresh the planner's statistics."""
    rng = random.Random(SEED)
    created = []
    for number in range(1, wards + 1):
        with engine.begin() as connection:
            ward = create_ward(connection, number)
            insert_tasks(connection, [task_row(rng, ward, day) for _ in range(tasks_per_ward)])
        created.append(ward)
    # A live database has statistics; a freshly filled one would be planned blind.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return created


# ---------------------------------------------------------------- measured operations


@dataclass(frozen=True)
class Subject:
    """What the measured queries look at: one ward, two of its people, one unit, one day."""

    org_id: int
    admin: Person
    office: Person
    unit_id: int
    day: date


def load_subject(engine: Engine, ward: Ward, day: date) -> Subject:
    with session_scope(engine) as session:
        people = {p.key: p for p in session.exec(select(Person).where(Person.org_id == ward.org_id))}
    # expire_on_commit=False keeps the attributes loaded, so the detached actors can be reused.
    return Subject(org_id=ward.org_id, admin=people["quan-tri"], office=people["van-thu"],
                   unit_id=ward.unit_ids[MEASURED_UNIT], day=day)


def _driver_sql(engine: Engine, sql: str) -> str:
    # The queries are written in the pyformat style of psycopg; sqlite3 wants :name instead.
    if engine.dialect.paramstyle in ("named", "qmark"):
        return re.sub(r"%\((\w+)\)s", r":\1", sql)
    return sql


def _driver_day(engine: Engine, day: date) -> date | str:
    # SQLite stores dates as ISO text, which orders like the dates it spells; passing text also
    # avoids sqlite3's default date adapter, deprecated since Python 3.12.
    return day.isoformat() if engine.dialect.name == "sqlite" else day


LIST_OPEN_SQL = """
SELECT * FROM task
WHERE org_id = %(org_id)s AND owner_unit_id = %(unit_id)s AND status IN ('open', 'reported_done')
ORDER BY due_on IS NULL, due_on, id
"""

# tracker.status.classify, written as one CASE so the database counts without shipping rows.
CLASSIFY_GROUPED_SQL = """
SELECT owner_unit_id,
       CASE
           WHEN status = 'done' AND finished_on IS NOT NULL AND finished_on <= %(day)s THEN
               CASE WHEN due_on IS NULL THEN 'done_no_deadline'
                    WHEN finished_on <= due_on THEN 'done_on_time'
                    ELSE 'done_late' END
           WHEN deadline_kind = 'recurring' THEN 'recurring'
           WHEN due_on IS NOT NULL AND due_on < %(day)s THEN 'in_progress_overdue'
           ELSE 'in_progress_on_time'
       END AS status_class,
       COUNT(*)
FROM task
WHERE org_id = %(org_id)s AND status <> 'cancelled' AND assigned_on <= %(day)s
GROUP BY 1, 2
"""

CLASSIFY_ROWS_SQL = """
SELECT owner_unit_id, status, deadline_kind, due_on, assigned_on, finished_on
FROM task
WHERE org_id = %(org_id)s AND status <> 'cancelled'
"""


def orm_list_open(engine: Engine, subject: Subject) -> int:
    with session_scope(engine) as session:
        tasks = list_tasks(session, actor=subject.office, unit_id=subject.unit_id, statuses=OPEN_STATUSES)
    return len(tasks)


def raw_list_open(engine: Engine, subject: Subject) -> int:
    with engine.begin() as connection:
        params = {"org_id": subject.org_id, "unit_id": subject.unit_id}
        rows = connection.exec_driver_sql(_driver_sql(engine, LIST_OPEN_SQL), params).fetchall()
    return len(rows)


def orm_classify(engine: Engine, subject: Subject) -> dict[str, int]:
    with session_scope(engine) as session:
        stats = ward_stats(session, actor=subject.admin, day=subject.day)
    return {str(k): v for k, v in stats.totals.items()}


def raw_classify_grouped(engine: Engine, subject: Subject) -> dict[str, int]:
    params = {"org_id": subject.org_id, "day": _driver_day(engine, subject.day)}
    with engine.begin() as connection:
        rows = connection.exec_driver_sql(_driver_sql(engine, CLASSIFY_GROUPED_SQL), params).fetchall()
    totals: Counter[str] = Counter()
    for _unit, status_class, count in rows:
        totals[status_class] += count
    return dict(totals)


def raw_classify_rows(engine: Engine, subject: Subject) -> dict[str, int]:
    day = _driver_day(engine, subject.day)
    with engine.begin() as connection:
        # fetchall, as the ORM does: iterating the result would fetch row by row through psycopg.
        rows = connection.exec_driver_sql(_driver_sql(engine, CLASSIFY_ROWS_SQL), {"org_id": subject.org_id}).fetchall()
    totals: Counter[str] = Counter()
    for _unit, status, kind, due_on, assigned_on, finished_on in rows:
        # On SQLite the dates stay ISO text, compared with the day as text: no conversion at all.
        facts = TaskFacts(status, kind, due_on, assigned_on, finished_on)
        status_class = classify(facts, day)  # type: ignore[arg-type]
        if status_class is not None:
            totals[str(status_class)] += 1
    return dict(totals)


@dataclass(frozen=True)
class Comparison:
    label: str
    orm: str
    raw: str


COMPARISONS = (
    Comparison("(a) việc đang mở của một đơn vị", "orm_list", "raw_list"),
    Comparison("(b) phân loại cả phường, so với GROUP BY", "orm_classify", "raw_grouped"),
    Comparison("    (tham khảo) so với SELECT + classify()", "orm_classify", "raw_rows"),
)


def operations(engine: Engine, subject: Subject) -> dict[str, Callable[[], object]]:
    return {
        "orm_list": lambda: orm_list_open(engine, subject),
        "raw_list": lambda: raw_list_open(engine, subject),
        "orm_classify": lambda: orm_classify(engine, subject),
        "raw_grouped": lambda: raw_classify_grouped(engine, subject),
        "raw_rows": lambda: raw_classify_rows(engine, subject),
    }


def check_agreement(results: dict[str, object]) -> list[str]:
    """Warnings for every raw result that differs from its ORM counterpart."""
    warnings = []
    if results["orm_list"] != results["raw_list"]:
        warnings.append(f"(a) ORM trả về {results['orm_list']} dòng, SQL thô trả về {results['raw_list']} dòng.")
    for raw in ("raw_grouped", "raw_rows"):
        if results["orm_classify"] != results[raw]:
            warnings.append(f"(b) số đếm theo nhóm khác nhau: ORM {results['orm_classify']}, {raw} {results[raw]}.")
    return warnings


def time_interleaved(ops: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per operation; each repetition runs every operation once, starting one further along."""
    names = list(ops)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(repeat):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            ops[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    label: str
    orm_ms: float
    raw_ms: float

    @property
    def ratio(self) -> float:
        return self.orm_ms / self.raw_ms


@dataclass(frozen=True)
class DatabaseReport:
    database: str
    rows: list[Row]
    classify_ms: float


def benchmark_database(database: str, url: str, options: argparse.Namespace) -> DatabaseReport:
    """Migrate, fill, check and time one database."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        start = time.perf_counter()
        wards = populate(engine, options.wards, options.tasks, REFERENCE_DAY)
        total = f"{options.wards * options.tasks:,}".replace(",", ".")
        print(f"{database}: đã tạo {options.wards} phường, {total} nhiệm vụ trong {time.perf_counter() - start:.1f} s.")
        subject = load_subject(engine, wards[len(wards) // 2], REFERENCE_DAY)
        ops = operations(engine, subject)
        results = {name: op() for name, op in ops.items()}  # also the warm-up
        for warning in check_agreement(results):
            print(f"CẢNH BÁO ({database}): {warning}")
        counts = orm_classify(engine, subject)
        print(f"{database}: (a) {results['orm_list']} nhiệm vụ; (b) {sum(counts.values())} nhiệm vụ được phân loại: "
              f"{_format_counts(counts)}.")
        medians = time_interleaved(ops, options.repeat)
        rows = [Row(c.label, medians[c.orm] * 1000, medians[c.raw] * 1000) for c in COMPARISONS]
        return DatabaseReport(database, rows, medians["orm_classify"] * 1000)
    finally:
        engine.dispose()


def _format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {counts[name]}" for name in sorted(counts))


def print_report(reports: list[DatabaseReport], repeat: int) -> None:
    headers = ("Cơ sở dữ liệu", "Thao tác", "ORM (ms)", "SQL thô (ms)", "Tỷ lệ")
    table = [(r.database, row.label, f"{row.orm_ms:.2f}", f"{row.raw_ms:.2f}", f"{row.ratio:.2f}×")
             for r in reports for row in r.rows]
    widths = [max(len(line[i]) for line in (headers, *table)) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        left = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
        return "  ".join(left + [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)])

    print()
    print(f"Trung vị của {repeat} lần đo, mỗi lần một phiên/kết nối mới; tỷ lệ = ORM / SQL thô "
          f"(mục tiêu ≤ {GOAL_RATIO:g}×).")
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for cells in table:
        print(line(cells))
    print()
    for report in reports:
        verdict = "đạt" if report.classify_ms < GOAL_CLASSIFY_MS else "chưa đạt"
        print(f"{report.database}: phân loại một phường: {report.classify_ms:.1f} ms "
              f"(mục tiêu < {GOAL_CLASSIFY_MS:g} ms, {verdict}).")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Đo tốc độ truy vấn qua ORM so với SQL thô trên SQLite và PostgreSQL.")
    parser.add_argument("--sqlite", metavar="PATH", help="tệp SQLite mới (mặc định: một tệp tạm)")
    parser.add_argument("--postgres", metavar="URL",
                        help=f"máy chủ PostgreSQL (mặc định: ${POSTGRES_URL_ENV} hoặc {DEFAULT_POSTGRES_URL}; "
                             '"" để bỏ qua)')
    parser.add_argument("--wards", type=_positive, default=10, help="số phường (mặc định 10)")
    parser.add_argument("--tasks", type=_positive, default=10_000, help="số nhiệm vụ mỗi phường (mặc định 10000)")
    parser.add_argument("--repeat", type=_positive, default=20, help="số lần đo mỗi thao tác (mặc định 20)")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("cần một số nguyên dương")
    return value


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    reports = []
    with sqlite_database(options.sqlite) as url:
        reports.append(benchmark_database("SQLite", url, options))
    server_url = postgres_server_url(options.postgres)
    if server_url is None:
        print("PostgreSQL: bỏ qua theo yêu cầu.")
    else:
        report = benchmark_postgres(server_url, options)
        if report is not None:
            reports.append(report)
    print_report(reports, options.repeat)
    print(f"Tổng thời gian chạy: {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
