"""`tracker import` as office staff use it: a dry run needing no database, then fix, confirm, store."""

import json
import shutil
from pathlib import Path

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOTICE = "004_43a30539afeed7f9.txt"
NOW = "2026-05-08T08:00:00+07:00"


def run(url: str, *args: str, input: str | None = None):
    return invoke(url, *args, now=NOW, input=input, COLUMNS="200")


def ok(url: str, *args: str, input: str | None = None) -> str:
    return succeed(url, *args, now=NOW, input=input, COLUMNS="200")


def _notice_copy(shared_dir, tmp_path) -> Path:
    path = tmp_path / "thong-bao-ket-luan.txt"
    shutil.copy(shared_dir / "seeds" / NOTICE, path)
    return path


def test_a_dry_run_prints_the_documented_json_and_needs_no_database(shared_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'absent' / 'never.db'}"
    data = json.loads(ok(url, "import", str(_notice_copy(shared_dir, tmp_path)), "--dry-run", "--json",
                         "--config", str(EXAMPLE)))
    assert not (tmp_path / "absent").exists()
    assert data["document"] == {"kind": "conclusion_notice", "layout": "sections", "number": "",
                                "issued": "2026-05-07", "meeting": "2026-05-07", "title": data["document"]["title"]}
    assert len(data["tasks"]) == 38
    task = next(t for t in data["tasks"] if t["ref"] == "2.2.4")
    assert set(task) == {"ref", "owner", "coordinating", "title", "expected_output", "deadline", "update", "review",
                         "starts"}
    assert task["starts"] is None  # a notice's tasks are assigned when it is issued
    assert task["owner"] == {"text": "Phòng Văn hóa - Xã hội phường", "unit": "Phòng Văn hóa - Xã hội"}
    assert task["deadline"] == {"text": "hoàn thành trước ngày 15/5/2026", "kind": "date", "due": "2026-05-15",
                                "milestones": [], "default": None, "starts": None}
    plain = next(t for t in data["tasks"] if t["ref"] == "2.1.1")
    assert plain["deadline"] == {"text": "", "kind": "none", "due": None, "milestones": [], "default": "2026-05-31",
                                 "starts": None}
    assert [t["owner"]["unit"] for t in data["tasks"] if t["ref"].startswith("2.7")] == ["*"] * 4


def test_an_import_confirmed_with_yes_stores_the_tasks_and_a_second_import_creates_nothing(
        shared_dir, tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    notice = _notice_copy(shared_dir, tmp_path)
    assert "Đã lưu 70 nhiệm vụ từ thong-bao-ket-luan.txt." in ok(database_url, "import", str(notice), "--yes")
    listed = json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))
    assert len(listed) == 70  # 34 tasks of named units, and the 4 "all units" tasks for each of the 9 units
    again = ok(database_url, "import", str(notice), "--yes")
    assert "đã được nhập" in again and "không tạo gì thêm" in again
    assert len(json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))) == 70


def test_corrections_typed_before_confirming_are_applied(shared_dir, tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    notice = _notice_copy(shared_dir, tmp_path)
    answers = "2.1.1 deadline=30/6/2026\n2.1.2 owner=Công an\n2.7.1 skip\n2.1.3 owner=Hội Nông dân\n\n"
    output = ok(database_url, "import", str(notice), input=answers)
    assert "Không có đơn vị «Hội Nông dân»" in output
    tasks = json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))
    by_ref = {t["item_ref"]: t for t in tasks}
    assert by_ref["2.1.1"]["due_on"] == "2026-06-30" and by_ref["2.1.1"]["due_is_default"] is False
    assert by_ref["2.1.2"]["owner_unit"] == "Công an phường"
    assert "2.7.1" not in by_ref and len(tasks) == 70 - 9


def test_cancelling_at_the_prompt_stores_nothing(shared_dir, tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    result = run(database_url, "import", str(_notice_copy(shared_dir, tmp_path)), input="hủy\n")
    assert result.exit_code == 1 and "Đã hủy, không lưu gì." in result.stdout
    assert json.loads(ok(database_url, "task", "list", "--status", "all", "--json")) == []


def test_a_bad_file_gets_one_vietnamese_line_and_nothing_is_stored(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    fake = tmp_path / "thong-bao.docx"
    fake.write_bytes(b"this is not a Word file")
    result = run(database_url, "import", str(fake), "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Lỗi: ") and "Traceback" not in result.output
    assert json.loads(ok(database_url, "task", "list", "--status", "all", "--json")) == []


def test_a_leader_can_see_how_a_deadline_phrase_is_understood(tmp_path):
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    data = json.loads(ok(url, "deadline", "Quý II/2026", "--on", "2026-01-10", "--json"))
    assert data == {"text": "Quý II/2026", "kind": "quarter", "due": "2026-06-30", "milestones": [],
                    "default": None, "starts": "2026-04-01", "review": []}


def _notice_lines(deadline: str = "20/6/2026", extra: str = "") -> str:
    return ("Số: 31/TB-UBND\n\nPhường Mẫu, ngày 08 tháng 6 năm 2026\n\nTHÔNG BÁO\n\n"
            "Kết luận của Chủ tịch UBND phường tại cuộc họp giao ban\n\n2.1. Phòng Văn hóa - Xã hội phường\n\n"
            f"- Rà soát danh sách hộ cận nghèo hoàn thành trước ngày {deadline}.\n\n{extra}"
            "2.2. Công an phường\n\n- Tăng cường tuần tra khu vực chợ trong tháng 6/2026.\n\nNơi nhận:\n\n- Lưu: VT.\n")


def test_a_corrected_notice_shows_its_changes_and_applies_them_to_the_same_tasks(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    first, corrected = tmp_path / "tb-31.txt", tmp_path / "tb-31-sua.txt"
    first.write_text(_notice_lines(), encoding="utf-8")
    corrected.write_text(_notice_lines("25/6/2026", "- Tổ chức Ngày hội gia đình trước ngày 28/6/2026.\n\n"),
                         encoding="utf-8")
    ok(database_url, "import", str(first), "--yes")
    output = ok(database_url, "import", str(corrected), "--yes")
    assert "đã được nhập" in output and "1 nhiệm vụ mới, 1 nhiệm vụ sửa, 0 nhiệm vụ bỏ" in output
    tasks = {t["item_ref"]: t for t in json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))}
    assert sorted(tasks) == ["2.1.1", "2.1.2", "2.2.1"] and tasks["2.1.1"]["due_on"] == "2026-06-25"


def test_imports_are_listed_as_json_and_undone_by_number(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    notice = tmp_path / "tb-31.txt"
    notice.write_text(_notice_lines(), encoding="utf-8")
    ok(database_url, "import", str(notice), "--yes")
    [row] = json.loads(ok(database_url, "import", "--list", "--json"))
    assert (row["number"], row["issued"], row["undone"], row["tasks"]) == (
        "31/TB-UBND", "2026-06-08", False, {"total": 2, "open": 2, "done": 0, "cancelled": 0})
    output = ok(database_url, "import", "--undo", "31/TB-UBND", "--reason", "Nhập nhầm.", "--yes")
    assert "hủy 2 nhiệm vụ" in output
    [row] = json.loads(ok(database_url, "import", "--list", "--json"))
    assert row["undone"] and row["tasks"]["cancelled"] == 2


def test_undoing_an_unknown_document_gets_one_vietnamese_line(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    result = run(database_url, "import", "--undo", "99/TB-UBND", "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Lỗi: ") and "Không có văn bản" in result.stderr


def test_an_outside_owner_mapped_with_set_is_learned_for_the_next_notice(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    text = ("Số: {n}/TB-UBND\n\nPhường Mẫu, ngày 08 tháng 6 năm 2026\n\nTHÔNG BÁO\n\nKết luận của Chủ tịch UBND "
            "phường\n\nGiao Phòng Văn hóa và Thông tin rà soát các điểm karaoke khu {n}.\n")
    first, second = tmp_path / "tb-40.txt", tmp_path / "tb-41.txt"
    first.write_text(text.format(n=40), encoding="utf-8")
    second.write_text(text.format(n=41), encoding="utf-8")
    refused = run(database_url, "import", str(first), "--yes")
    assert refused.exit_code == 1 and "Chưa rõ đơn vị chủ trì của nhiệm vụ 1" in refused.stderr
    ok(database_url, "import", str(first), "--set", "1 owner=Phòng Văn hóa - Xã hội", "--yes")
    data = json.loads(ok(database_url, "import", str(second), "--dry-run", "--json"))
    assert data["tasks"][0]["owner"]["unit"] is None  # a dry run reads the ward file only
    assert "Đã lưu 1 nhiệm vụ" in ok(database_url, "import", str(second), "--yes")
    owners = {t["item_ref"]: t["owner_unit"] for t in json.loads(ok(database_url, "task", "list", "--json"))}
    assert set(owners.values()) == {"Phòng Văn hóa - Xã hội"}
