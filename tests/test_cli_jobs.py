"""`tracker jobs run` and `tracker jobs status` as an administrator uses them, through typer's CliRunner."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select
from typer.testing import Result

from app.cli.main import shell_user
from tests.cli_helpers import EXAMPLE, invoke, succeed
from tracker.clock import SystemClock
from tracker.db import make_engine
from tracker.leases import claim
from tracker.models import AuditEvent, Person
from tracker.sender_leases import keep_alive

NOW = "2026-05-12T07:30:00+07:00"
MINUTE = timedelta(minutes=1)


def run(url: str, *args: str) -> Result:
    return invoke(url, *args, now=NOW)


def ok(url: str, *args: str) -> str:
    return succeed(url, *args, now=NOW)


def ward_with_a_task_due_soon(url: str) -> None:
    ok(url, "init", "--config", str(EXAMPLE))
    ok(url, "task", "add", "Rà soát hộ nghèo, hộ cận nghèo", "--unit", "vhxh", "--due", "13/5/2026")


def test_running_the_daily_reminders_twice_adds_them_once_and_says_so(database_url):
    ward_with_a_task_due_soon(database_url)
    first = ok(database_url, "jobs", "run", "daily", "--at", "2026-05-12T07:30+07:00")
    second = ok(database_url, "jobs", "run", "daily", "--at", "2026-05-12T07:30+07:00")
    assert first.strip() == "Phường Mẫu, ngày 12/05/2026 — nhắc việc hằng ngày: đã thêm 1 tin nhắn."
    assert second.strip() == "Phường Mẫu, ngày 12/05/2026 — nhắc việc hằng ngày: đã chạy trước đó, không thêm gì."


def test_without_at_the_job_runs_as_of_the_clock(database_url):
    ward_with_a_task_due_soon(database_url)
    assert "ngày 12/05/2026 — nhắc việc hằng ngày: đã thêm 1 tin nhắn." in ok(database_url, "jobs", "run", "daily")


def test_on_a_sunday_the_job_says_it_is_not_a_working_day(database_url):
    ward_with_a_task_due_soon(database_url)
    out = ok(database_url, "jobs", "run", "daily", "--at", "2026-05-10T07:30+07:00")
    assert out.strip() == "Phường Mẫu, ngày 10/05/2026 — nhắc việc hằng ngày: không phải ngày làm việc, không chạy."


def test_an_unknown_job_or_ward_is_one_error_line(database_url):
    ward_with_a_task_due_soon(database_url)
    unknown = run(database_url, "jobs", "run", "remind")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == ("Lỗi: Không có việc «remind»; chọn một trong: daily, digest, weekly, collect, "
                                      "extensions.")
    ward = run(database_url, "jobs", "run", "daily", "--org", "phuong-khac")
    assert ward.exit_code == 1 and ward.stderr.strip() == "Lỗi: Không có phường/xã nào có khóa «phuong-khac»."
    bad = run(database_url, "jobs", "run", "daily", "--at", "12/5/2026")
    assert bad.exit_code == 1 and "không đúng dạng ISO" in bad.stderr


def test_status_lists_the_last_run_of_each_job_per_ward(database_url):
    ward_with_a_task_due_soon(database_url)
    assert ok(database_url, "jobs", "status").strip() == "Chưa có việc nào chạy theo lịch."
    ok(database_url, "jobs", "run", "daily", "--at", "2026-05-11T07:30+07:00")
    ok(database_url, "jobs", "run", "daily", "--at", "2026-05-12T07:30+07:00")
    ok(database_url, "jobs", "run", "digest", "--at", "2026-05-12T07:45+07:00")
    runs = json.loads(ok(database_url, "jobs", "status", "--json"))
    assert [(r["org"], r["job"], r["day"], r["status"], r["detail"]) for r in runs] == [
        ("phuong-mau", "daily", "2026-05-12", "done", "1 tin nhắn"),
        ("phuong-mau", "digest", "2026-05-12", "done", "4 tin nhắn"),  # no chat bound yet: every unit is named
    ]
    assert runs[0]["started_at"].startswith("2026-05-12T00:30")
    text = ok(database_url, "jobs", "status")
    assert "Phường Mẫu: nhắc việc hằng ngày — ngày 12/05/2026: đã chạy xong (1 tin nhắn)." in text


def test_status_tells_which_process_polls_each_bot(database_url):
    ward_with_a_task_due_soon(database_url)
    engine = make_engine(database_url)
    try:
        claim(engine, SystemClock(), name="telegram:1a2b3c4d", role="poll", holder="may-1:4242:9f", ttl=MINUTE)
        claim(engine, SystemClock(), name="zalo:5e6f7a8b", role="poll", holder="may-2:77:0c", ttl=-MINUTE)
    finally:
        engine.dispose()
    text = ok(database_url, "jobs", "status")
    assert "Bot telegram:1a2b3c4d: tiến trình «may-1:4242:9f» đang nhận tin (từ " in text
    assert "zalo" not in text  # a lease that ran out: nobody polls that bot now


def test_status_tells_which_processes_are_sending(database_url):
    ward_with_a_task_due_soon(database_url)
    engine = make_engine(database_url)
    try:
        keep_alive(engine, SystemClock(), sender="may-1:4242:9f")
        keep_alive(engine, SystemClock(), sender="may-2:77:0c", ttl=-MINUTE)
    finally:
        engine.dispose()
    text = ok(database_url, "jobs", "status")
    assert "Tiến trình «may-1:4242:9f» đang gửi tin trong hộp thư đi (từ " in text
    assert "may-2" not in text  # gone: its lease ran out


def test_only_the_administrator_runs_a_job_by_hand(database_url):
    # Why: a unit head could run the daily job for a later day and so cancel that day's real reminders.
    ward_with_a_task_due_soon(database_url)
    for key in ("tp-vhxh", "van-thu", "chu-tich"):
        refused = run(database_url, "jobs", "run", "daily", "--as", key)
        assert refused.exit_code == 1 and "không có quyền chạy việc theo lịch bằng tay" in refused.stderr, key
    assert ok(database_url, "jobs", "status").strip() == "Chưa có việc nào chạy theo lịch."


def test_a_day_not_yet_come_runs_only_as_a_dry_run_which_shows_the_messages_and_writes_nothing(database_url):
    ward_with_a_task_due_soon(database_url)
    refused = run(database_url, "jobs", "run", "daily", "--at", "2026-05-13T07:30+07:00")
    assert refused.exit_code == 1 and "Ngày 13/05/2026 chưa đến (hôm nay là 12/05/2026)" in refused.stderr

    out = ok(database_url, "jobs", "run", "daily", "--at", "2026-05-13T07:30+07:00", "--dry-run")

    assert out.startswith("Phường Mẫu, ngày 13/05/2026 — nhắc việc hằng ngày: chạy thử: sẽ gửi 1 tin nhắn")
    assert "--- gửi Ông Văn Lạc ---\nNHẮC VIỆC ngày 13/05/2026" in out and "Rà soát hộ nghèo" in out
    assert ok(database_url, "jobs", "status").strip() == "Chưa có việc nào chạy theo lịch."
    assert json.loads(ok(database_url, "outbox", "list", "--json")) == []


def test_a_job_run_by_hand_is_audited_with_who_ran_it(database_url):
    ward_with_a_task_due_soon(database_url)
    ok(database_url, "jobs", "run", "daily")
    ok(database_url, "jobs", "run", "digest", "--dry-run")

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            events = session.exec(select(AuditEvent).where(AuditEvent.entity == "job").order_by(AuditEvent.id)).all()
            admin = session.exec(select(Person).where(Person.key == "quan-tri")).one()
            seen = [(e.action, e.after["job"], e.after["status"], e.actor_id, e.channel) for e in events]
            operators = {e.operator for e in events}
    finally:
        engine.dispose()
    assert seen == [("run", "daily", "done", admin.id, "cli"), ("dry_run", "digest", "dry_run", admin.id, "cli")]
    assert operators == {shell_user()}  # the account at the server, beside the person acted as
