"""`tracker db backup` and `tracker db restore` as the administrator uses them: a backup taken while the
sender writes restores into a new database with the same data; newer data is not overwritten without
--force; a file that is not a backup is refused in one line. On SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fake_channel import FakeApiChannel, FakeChatServer
from outbox_helpers import bind_person, enqueue, log_channel
from sqlmodel import Session, select

from jobs.scheduler import BackupPlan, nightly_backup
from jobs.sender import Sender
from tests.cli_helpers import EXAMPLE, invoke, succeed
from tracker.clock import FixedClock, SystemClock
from tracker.db import make_engine, normalize_url
from tracker.models import AuditEvent, ChatIdentity, Notification, Organization, Task, Update

NOW = "2026-05-18T08:00:00+07:00"


def ok(url: str, *args: str) -> str:
    return succeed(url, *args, now=NOW, COLUMNS="200")


@pytest.fixture
def other_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a second, empty database (not even migrated) to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"tracker_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalize_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(normalize_url(database_url)).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def contents(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return {
                "tasks": sorted((t.id, t.title, t.status) for t in session.exec(select(Task))),
                "updates": sorted((u.task_id, u.result_text) for u in session.exec(select(Update))),
                "bindings": sorted((c.channel, c.external_id) for c in session.exec(select(ChatIdentity))),
                "outbox": len(session.exec(select(Notification)).all()),
                "audit": len(session.exec(select(AuditEvent).where(AuditEvent.action != "restore")).all()),
            }
    finally:
        engine.dispose()


def ward_at_work(url: str) -> int:
    ok(url, "init", "--config", str(EXAMPLE))
    ok(url, "task", "add", "Rà soát hộ nghèo", "--unit", "vhxh", "--due", "31/5/2026")
    ok(url, "task", "report", "1", "--result", "Đã rà soát 3 tổ dân phố", "--as", "tp-vhxh")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            clock = FixedClock(SystemClock().now())
            org_id = session.exec(select(Organization.id)).one()
            for key in ("tp-vhxh", "tp-kthtdt", "cvp"):
                bind_person(session, clock, org_id, key, "telegram", f"chat-{key}")
            for n in range(60):
                enqueue(session, clock, org_id, ("tp-vhxh", "tp-kthtdt", "cvp")[n % 3], f"Tin số {n:03d}")
        return org_id
    finally:
        engine.dispose()


def test_a_backup_taken_while_the_sender_writes_restores_the_same_data_into_a_new_database(
    database_url, other_database, tmp_path
):
    ward_at_work(database_url)
    before = contents(database_url)
    backup = tmp_path / "sao-luu" / ("tracker.db" if database_url.startswith("sqlite") else "tracker.dump")
    engine = make_engine(database_url)
    stop = threading.Event()

    def send_all() -> None:
        async def run() -> None:
            sender = Sender(engine, SystemClock(), {"telegram": FakeApiChannel(server.url, timeout=60.0),
                                                   "log": log_channel(tmp_path / "o.log")}, name="sender-a")
            while not stop.is_set() and await sender.send_one():
                pass
        asyncio.run(run())

    try:
        with FakeChatServer() as server:
            sending = threading.Thread(target=send_all)
            sending.start()
            out = ok(database_url, "db", "backup", "--out", str(backup))
            stop.set()
            sending.join(timeout=300)
    finally:
        engine.dispose()
    assert out.startswith(f"Đã sao lưu vào {backup}")

    restored = ok(other_database, "db", "restore", str(backup), "--yes")

    assert restored.startswith("Đã khôi phục từ ")
    after = contents(other_database)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert after["audit"] >= before["audit"]


def test_newer_data_is_not_overwritten_without_force(database_url, tmp_path):
    ward_at_work(database_url)
    backup = tmp_path / ("b.db" if database_url.startswith("sqlite") else "b.dump")
    ok(database_url, "db", "backup", "--out", str(backup))
    ok(database_url, "task", "add", "Việc giao sau khi sao lưu", "--unit", "vhxh")

    refused = invoke(database_url, "db", "restore", str(backup), "--yes", now=NOW)

    assert refused.exit_code == 1 and "Dùng --force nếu vẫn muốn khôi phục." in refused.stderr
    assert "Việc giao sau khi sao lưu" in ok(database_url, "task", "list")
    ok(database_url, "db", "restore", str(backup), "--yes", "--force")
    assert "Việc giao sau khi sao lưu" not in ok(database_url, "task", "list")


def test_a_file_that_is_not_a_backup_is_refused_in_one_line(database_url, tmp_path):
    ward_at_work(database_url)
    wrong = tmp_path / "khong-phai.db"
    wrong.write_text("không phải cơ sở dữ liệu", encoding="utf-8")

    refused = invoke(database_url, "db", "restore", str(wrong), "--yes", now=NOW)

    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "Việc" not in refused.stderr and "Lỗi:" in refused.stderr


def test_the_nightly_backup_keeps_the_newest_few(database_url, tmp_path, clock):
    ward_at_work(database_url)
    engine = make_engine(database_url)
    plan = BackupPlan(folder=tmp_path / "dem", keep=2)
    try:
        made = []
        for _night in range(3):
            made.append(nightly_backup(engine, clock, plan))
            clock.advance(timedelta(days=1))
    finally:
        engine.dispose()
    assert all(made)
    assert sorted(p.name for p in plan.folder.iterdir()) == sorted(p.name for p in made[1:])


def test_of_several_processes_sharing_the_database_one_takes_each_nights_backup(database_url, tmp_path, clock):
    ward_at_work(database_url)
    engine = make_engine(database_url)
    plans = [BackupPlan(folder=tmp_path / f"tien-trinh-{n}", keep=5, holder=f"may:{n}") for n in range(3)]
    try:
        nights = []
        for _night in range(2):
            nights.append([nightly_backup(engine, clock, plan) for plan in plans])
            clock.advance(timedelta(days=1))
    finally:
        engine.dispose()
    assert [sum(made is not None for made in night) for night in nights] == [1, 1]
