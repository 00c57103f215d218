"""`tracker jobs run` and `tracker jobs status` as an administrator uses them, through typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import Result

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-12T07:30:00+07:00"


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
    out = ok(database_url, "jobs", "run", "daily", "--at", "2026-05-17T07:30+07:00")
    assert out.strip() == "Phường Mẫu, ngày 17/05/2026 — nhắc việc hằng ngày: không phải ngày làm việc, không chạy."


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
