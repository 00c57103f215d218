"""`tracker task ...`, `tracker overdue` and `tracker stats` as office staff use them, through typer's
CliRunner only: Vietnamese fragments of the output, `--json` parsed, exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import Result

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-18T08:00:00+07:00"
REPORT = "Đã ban hành Kế hoạch số 175/KH-UBND ngày 06/5/2026"


def run(url: str, *args: str) -> Result:
    return invoke(url, *args, now=NOW)


def ok(url: str, *args: str) -> str:
    return succeed(url, *args, now=NOW)


def data(url: str, *args: str) -> list | dict:
    return json.loads(ok(url, *args, "--json"))


def make_ward(url: str) -> None:
    ok(url, "init", "--config", str(EXAMPLE))


def add_task(url: str, title: str, unit: str = "vhxh", *options: str) -> dict:
    return data(url, "task", "add", title, "--unit", unit, *options)


def all_tasks(url: str) -> list[dict]:
    return data(url, "task", "list", "--status", "all")


def one_error_line(result: Result) -> str:
    """The single Vietnamese line of a refused command: exit 1, a handled error, nothing on stdout."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), lines
    return lines[0]


def test_a_task_added_from_the_command_line_is_listed_with_its_unit_and_due_date(database_url):
    make_ward(database_url)
    # Clerks type the unit as the conclusion notice writes it: "hoá" instead of "hóa", and "phường" at the end.
    task = add_task(database_url, "Tổ chức Tết Thiếu nhi 1/6", "Phòng Văn hoá - Xã hội phường", "--due", "31/5/2026")
    assert (task["owner_unit"], task["owner_unit_key"]) == ("Phòng Văn hóa - Xã hội", "vhxh")
    assert (task["due_on"], task["assigned_on"], task["status"], task["version"]) == ("2026-05-31", "2026-05-18",
                                                                                      "open", 1)
    assert task["status_class"] == "in_progress_on_time"

    assert [t["id"] for t in data(database_url, "task", "list")] == [task["id"]]
    assert [t["id"] for t in data(database_url, "task", "list", "--unit", "Phòng VH-XH")] == [task["id"]]
    assert data(database_url, "task", "list", "--unit", "kthtdt") == []
    shown = data(database_url, "task", "show", str(task["id"]))
    assert shown["title"] == "Tổ chức Tết Thiếu nhi 1/6"
    assert (shown["updates"], shown["extension_requests"]) == ([], [])

    updated = data(database_url, "task", "update", str(task["id"]), "--due", "15/6/2026")
    assert (updated["due_on"], updated["version"]) == ("2026-06-15", 2)
    assert "Đơn vị chủ trì: Phòng Văn hóa - Xã hội" in ok(database_url, "task", "show", str(task["id"]))


def test_a_task_goes_from_report_to_done_to_reopened_to_cancelled(database_url):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Xây dựng Kế hoạch tổ chức Tháng hành động vì trẻ em", "vhxh",
                           "--due", "31/5/2026")["id"])

    out = ok(database_url, "task", "report", task_id, "--result", REPORT, "--forecast", "Hoàn thành", "--as", "tp-vhxh")
    assert "Đã ghi kết quả tháng 05/2026 cho nhiệm vụ số" in out  # a month as people write it
    update = data(database_url, "task", "show", task_id)["updates"]
    assert [(u["result"], u["document_refs"], u["forecast"]) for u in update] == [
        (REPORT, ["Kế hoạch số 175/KH-UBND ngày 06/5/2026"], "Hoàn thành")]
    assert "Kế hoạch số 175/KH-UBND ngày 06/5/2026" in ok(database_url, "task", "show", task_id)

    done = data(database_url, "task", "done", task_id, "--as", "tp-vhxh")
    assert (done["status"], done["finished_on"]) == ("reported_done", "2026-05-18")
    assert "đã xác nhận hoàn thành ngày 18/05/2026" in ok(database_url, "task", "confirm", task_id)
    assert [t["id"] for t in data(database_url, "task", "list", "--status", "done")] == [int(task_id)]

    reopened = data(database_url, "task", "reopen", task_id, "--reason", "Kế hoạch chưa kèm dự toán kinh phí")
    assert (reopened["status"], reopened["finished_on"]) == ("open", None)
    assert reopened["status_reason"] == "Kế hoạch chưa kèm dự toán kinh phí"

    assert "Đã hủy nhiệm vụ số" in ok(database_url, "task", "cancel", task_id, "--reason", "Thành phố đã tổ chức")
    assert data(database_url, "task", "list") == []
    cancelled = data(database_url, "task", "list", "--status", "cancelled")
    assert [(t["id"], t["status_reason"]) for t in cancelled] == [(int(task_id), "Thành phố đã tổ chức")]


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(database_url):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát đối tượng bảo trợ xã hội", "vhxh", "--due", "31/5/2026")["id"])

    out = ok(database_url, "task", "extend", task_id, "--to", "30/6/2026", "--reason", "Chờ số liệu của thành phố",
             "--as", "tp-vhxh")
    assert "chờ lãnh đạo duyệt" in out
    [request] = data(database_url, "task", "requests")
    assert (request["task_id"], request["requested_due_on"], request["status"]) == (int(task_id), "2026-06-30",
                                                                                    "pending")
    assert data(database_url, "task", "show", task_id)["due_on"] == "2026-05-31"

    assert "đồng ý" in ok(database_url, "task", "decide", str(request["id"]), "--approve", "--as", "chu-tich")
    shown = data(database_url, "task", "show", task_id)
    assert (shown["due_on"], shown["original_due_on"]) == ("2026-06-30", "2026-05-31")
    assert [r["status"] for r in shown["extension_requests"]] == ["approved"]
    assert data(database_url, "task", "requests") == []


def test_a_tasks_history_says_who_did_what_through_what_and_what_changed(database_url):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát đối tượng bảo trợ xã hội", "vhxh", "--due", "31/5/2026")["id"])
    ok(database_url, "task", "extend", task_id, "--to", "30/6/2026", "--reason", "Chờ số liệu", "--as", "tp-vhxh")
    [request] = data(database_url, "task", "requests")
    ok(database_url, "task", "decide", str(request["id"]), "--approve", "--as", "chu-tich")

    history = data(database_url, "task", "show", task_id)["history"]
    assert [h["action"] for h in history] == ["giao nhiệm vụ", "xin gia hạn", "gia hạn", "đồng ý gia hạn"]
    assert {h["channel"] for h in history} == {"dòng lệnh"}
    moved = history[2]["changes"]
    assert {"field": "ngày đến hạn", "before": "31/05/2026", "after": "30/06/2026"} in moved
    text = ok(database_url, "task", "show", task_id)
    assert "(dòng lệnh): gia hạn — lý do: Chờ số liệu (ngày đến hạn: 31/05/2026 → 30/06/2026" in text


def test_an_extension_asked_from_the_command_line_reaches_the_deciding_leader_as_from_the_chat(database_url):
    # Why: the request use case, not the chat, tells the leaders; a request typed by office staff on behalf
    # of a unit must not wait unseen.
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát đối tượng bảo trợ xã hội", "vhxh", "--due", "31/5/2026")["id"])

    ok(database_url, "task", "extend", task_id, "--to", "30/6/2026", "--reason", "Chờ số liệu của thành phố",
       "--as", "tp-vhxh")

    notices = [n for n in data(database_url, "outbox", "list") if n["kind"] == "extension_request"]
    assert notices and all(n["body"].startswith("ĐỀ NGHỊ GIA HẠN số ") for n in notices)
    assert all(f"xin gia hạn nhiệm vụ #{task_id} đến ngày 30/06/2026 (hạn hiện tại 31/05/2026)" in n["body"]
               for n in notices)


def test_a_leader_extending_a_task_at_once_is_not_asked_to_decide_it(database_url):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát đối tượng bảo trợ xã hội", "vhxh", "--due", "31/5/2026")["id"])

    out = ok(database_url, "task", "extend", task_id, "--to", "30/6/2026", "--reason", "Chờ số liệu của thành phố",
             "--approve", "--as", "chu-tich")

    assert "Đã gia hạn nhiệm vụ số" in out
    assert [n for n in data(database_url, "outbox", "list") if n["kind"] == "extension_request"] == []


# name, unit, options of `task add`, then what happens to it; the class each has on 1/6/2026 is in the name.
MONTH = [
    ("xong đúng hạn 1", "vhxh", ["--due", "31/5/2026"], ["confirm"]),
    ("xong đúng hạn 2", "vhxh", ["--due", "31/5/2026"], ["confirm"]),
    ("xong quá hạn", "vhxh", ["--due", "10/5/2026"], ["confirm"]),
    ("xong không hạn", "vhxh", [], ["confirm"]),
    ("trong hạn", "vhxh", ["--due", "30/6/2026"], []),
    ("quá hạn 1 ngày", "vhxh", ["--due", "31/5/2026"], []),
    ("thường xuyên", "vhxh", ["--kind", "recurring"], []),
    ("đã hủy", "vhxh", ["--due", "31/5/2026"], ["cancel", "--reason", "Trùng nhiệm vụ khác"]),
    ("báo xong chưa xác nhận, quá hạn 12 ngày", "kthtdt", ["--due", "20/5/2026"], ["done", "--as", "tp-kthtdt"]),
    ("quá hạn 22 ngày", "kthtdt", ["--due", "10/5/2026"], []),
    ("không hạn", "kthtdt", [], []),
]


def build_month(url: str) -> dict[str, int]:
    """The tasks of MONTH in the example ward, all assigned on 18/5/2026; returns their ids by name."""
    make_ward(url)
    ids = {}
    for name, unit, options, then in MONTH:
        ids[name] = add_task(url, f"Nhiệm vụ {name}", unit, *options)["id"]
        if then:
            ok(url, "task", then[0], str(ids[name]), *then[1:])
    return ids


def test_task_lists_filter_by_unit_status_and_overdue_day(database_url):
    ids = build_month(database_url)

    def listed(*args: str) -> list[int]:
        return sorted(t["id"] for t in data(database_url, "task", "list", *args))

    def named(*names: str) -> list[int]:
        return sorted(ids[n] for n in names)

    unfinished = ("trong hạn", "quá hạn 1 ngày", "thường xuyên", "báo xong chưa xác nhận, quá hạn 12 ngày",
                  "quá hạn 22 ngày", "không hạn")
    assert listed("--unit", "Phòng Kinh tế", "--status", "all") == named(
        "báo xong chưa xác nhận, quá hạn 12 ngày", "quá hạn 22 ngày", "không hạn")
    assert listed("--status", "all") == sorted(ids.values())
    assert listed("--status", "done") == named("xong đúng hạn 1", "xong đúng hạn 2", "xong quá hạn", "xong không hạn")
    assert listed("--status", "cancelled") == named("đã hủy")
    assert listed("--status", "reported_done") == named("báo xong chưa xác nhận, quá hạn 12 ngày")
    # Regression: the default list ("open") must keep tasks a unit reported done until someone confirms them,
    # or they vanish from the office's view (and from --overdue, unlike `tracker overdue`) while unfinished.
    assert listed() == named(*unfinished)
    overdue = data(database_url, "task", "list", "--overdue", "--on", "1/6/2026")
    assert [t["id"] for t in overdue] == [ids["quá hạn 22 ngày"], ids["báo xong chưa xác nhận, quá hạn 12 ngày"],
                                          ids["quá hạn 1 ngày"]]


def test_overdue_groups_tasks_by_unit_with_days_overdue(database_url):
    build_month(database_url)
    report = data(database_url, "overdue", "--on", "1/6/2026")
    assert report["day"] == "2026-06-01"
    # A task reported done but not yet confirmed is still overdue: only a confirmation finishes it.
    assert [(g["unit_key"], g["count"], [(t["title"], t["days_overdue"]) for t in g["tasks"]])
            for g in report["units"]] == [
        ("vhxh", 1, [("Nhiệm vụ quá hạn 1 ngày", 1)]),
        ("kthtdt", 2, [("Nhiệm vụ quá hạn 22 ngày", 22), ("Nhiệm vụ báo xong chưa xác nhận, quá hạn 12 ngày", 12)]),
    ]
    assert "Phòng Kinh tế, Hạ tầng và Đô thị: 1 nhiệm vụ quá hạn (ngày 18/05/2026)" in ok(database_url, "overdue")
    # Tasks assigned on 18/5 cannot have been overdue the day before.
    assert "Không có nhiệm vụ quá hạn ngày 17/05/2026." in ok(database_url, "overdue", "--on", "17/5/2026")


def test_stats_count_each_status_class_per_unit_and_for_the_ward(database_url):
    build_month(database_url)
    stats = data(database_url, "stats", "--on", "1/6/2026")
    assert stats["day"] == "2026-06-01"
    units = {u["unit_key"]: u for u in stats["units"]}
    zero = dict.fromkeys(("done_on_time", "done_late", "done_no_deadline", "in_progress_on_time",
                          "in_progress_overdue", "recurring"), 0)
    assert {k: units["vhxh"][k] for k in ("count", *zero)} == {
        "count": 7, "done_on_time": 2, "done_late": 1, "done_no_deadline": 1, "in_progress_on_time": 1,
        "in_progress_overdue": 1, "recurring": 1}
    assert {k: units["kthtdt"][k] for k in ("count", *zero)} == {**zero, "count": 3, "in_progress_on_time": 1,
                                                                  "in_progress_overdue": 2}
    assert {k: units["vp"][k] for k in ("count", *zero)} == {**zero, "count": 0}
    assert len(units) == 9
    assert stats["total"] == {"count": 10, "done_on_time": 2, "done_late": 1, "done_no_deadline": 1,
                              "in_progress_on_time": 2, "in_progress_overdue": 3, "recurring": 1}


def test_json_output_keeps_vietnamese_letters_unescaped(database_url):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát hộ nghèo", "vhxh")["id"])
    for args in (("task", "list"), ("task", "show", task_id)):
        raw = ok(database_url, *args, "--json")
        json.loads(raw)
        assert "Phòng Văn hóa - Xã hội" in raw and "Rà soát hộ nghèo" in raw
        assert "\\u" not in raw


@pytest.mark.parametrize(("args", "expected"), [
    (["task", "add", "Việc mới", "--unit", "Phòng Văn hóa"],
     "Không tìm thấy đơn vị «Phòng Văn hóa». Có phải là: Phòng Văn hóa - Xã hội"),
    (["task", "add", "Việc mới", "--unit", "vhxh", "--due", "31/4/2026"], "Ngày «31/4/2026» không có thật trên lịch."),
    (["task", "show", "999"], "Không tìm thấy nhiệm vụ số 999."),
    (["task", "confirm", "{id}", "--as", "tp-vhxh"], "Ông Văn Lạc không có quyền xác nhận hoàn thành."),
    (["task", "update", "{id}", "--title", "x", "--version", "1"], "Nhiệm vụ số {id} vừa được người khác thay đổi"),
    (["task", "cancel", "{id}", "--reason", ""], "Cần ghi rõ lý do hủy nhiệm vụ."),
    (["--as", "ai-do", "task", "cancel", "{id}", "--reason", "Trùng"], "Không tìm thấy người dùng «ai-do»."),
], ids=["unknown unit", "impossible date", "missing task", "forbidden", "stale version", "empty reason",
        "unknown person"])
def test_a_mistake_prints_one_vietnamese_line_and_changes_nothing(database_url, args, expected):
    make_ward(database_url)
    task_id = str(add_task(database_url, "Rà soát đối tượng bảo trợ xã hội", "vhxh", "--due", "31/5/2026")["id"])
    # Someone else edits the task first, so that a clerk still holding version 1 is out of date.
    ok(database_url, "task", "update", task_id, "--due", "15/6/2026")
    before = all_tasks(database_url)

    line = one_error_line(run(database_url, *(a.replace("{id}", task_id) for a in args)))

    assert line.startswith("Lỗi: " + expected.replace("{id}", task_id)), line
    assert all_tasks(database_url) == before
