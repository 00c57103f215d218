"""`tracker deadline "<phrase>"`: how a phrase is understood, in words or as JSON, without a database."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from app.cli.main import app

NOW = "2026-05-18T08:00:00+07:00"


def run(*args: str) -> Result:
    # A fixed clock; a database URL that cannot be opened proves the command needs none.
    env = {"TRACKER_NOW": NOW, "TRACKER_DATABASE_URL": "sqlite:////nonexistent/dir/tracker.db", "COLUMNS": "100"}
    return CliRunner().invoke(app, ["deadline", *args], env=env)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_json_is_exactly_the_deadline_with_its_review() -> None:
    assert json.loads(ok("Quý II/2026", "--on", "2026-01-10", "--json")) == {
        "text": "Quý II/2026", "kind": "quarter", "due": "2026-06-30", "milestones": [], "default": None,
        "starts": "2026-04-01", "review": [],
    }


def test_words_give_kind_due_and_milestones() -> None:
    lines = ok("Tháng 6/2026 và tháng 11/2026", "--on", "10/1/2026").splitlines()
    assert "Loại: tháng" in lines
    assert "Đến hạn: 30/06/2026" in lines
    assert "Các mốc sau: 30/11/2026" in lines


def test_words_give_the_first_day_of_the_period_named() -> None:
    assert "Kỳ bắt đầu: 01/04/2026" in ok("Quý II và các tháng tiếp theo", "--on", "27/5/2026").splitlines()
    assert "Kỳ bắt đầu" not in ok("Trước ngày 15/5/2026", "--on", "7/5/2026")
    assert json.loads(ok("Trước ngày 15/5/2026", "--on", "7/5/2026", "--json"))["starts"] is None


def test_a_recurring_deadline_shows_its_rule() -> None:
    lines = ok("trước ngày 20 hằng tháng", "--on", "2026-05-07").splitlines()
    assert "Loại: thường xuyên" in lines
    assert "Lặp lại: hằng tháng, trước ngày 20" in lines


def test_an_impossible_date_shows_the_reason_to_check() -> None:
    out = ok("31/4/2026", "--on", "2026-05-07")
    assert "Đến hạn: chưa xác định" in out
    assert "Cần kiểm tra: Ngày 31/4/2026 không có thật; cần nhập lại thời hạn." in out


def test_without_on_the_day_comes_from_the_clock() -> None:
    # Monday 18/5/2026 from TRACKER_NOW: next week ends on Friday 29/5.
    data = json.loads(ok("tuần sau", "--json"))
    assert data["due"] == "2026-05-29"


def test_a_wrong_day_is_refused_in_one_line() -> None:
    result = run("Quý II", "--on", "2026-13-01")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "không có thật" in result.stderr


def test_a_period_counted_from_signing_is_due_from_the_date_given_with_on():
    # --on is the document's date: "trong 10 ngày làm việc kể từ ngày ký" counts from it.
    data = json.loads(ok("trong 10 ngày làm việc kể từ ngày ký", "--on", "7/5/2026", "--json"))
    assert (data["kind"], data["due"], data["review"]) == ("date", "2026-05-21", [])
    words = ok("trong 10 ngày kể từ ngày nhận đủ hồ sơ", "--on", "7/5/2026")
    assert "Đến hạn: chưa xác định" in words and "chưa biết ngày" in words
