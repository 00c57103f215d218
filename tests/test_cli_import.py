"""`tracker import` as office staff use it: a dry run needing no database, then fix, confirm, store."""

import base64
import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from document_files import minimal_pdf

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
    assert "Văn bản này đã nhập ngày 08/05/2026" in again and "không tạo gì thêm" in again
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
    assert ("Văn bản này đã nhập ngày 08/05/2026 (thông báo kết luận số 31/TB-UBND ngày 08/06/2026). Thay đổi: "
            "1 nhiệm vụ mới, 1 nhiệm vụ sửa, 0 nhiệm vụ bỏ.") in output
    assert "+ 2.1.2. Tổ chức Ngày hội gia đình" in output
    assert "ngày đến hạn 20/06/2026 → 25/06/2026" in output
    tasks = {t["item_ref"]: t for t in json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))}
    assert sorted(tasks) == ["2.1.1", "2.1.2", "2.2.1"] and tasks["2.1.1"]["due_on"] == "2026-06-25"


def test_an_item_skipped_in_a_corrected_notice_leaves_its_task_as_it_is(tmp_path, database_url):
    # Why: skipping a row of a corrected version used to cancel its task here, while the web console's
    # "Bỏ qua" left it alone; a skip now means "do not touch" on both.
    ok(database_url, "init", "--config", str(EXAMPLE))
    first, corrected = tmp_path / "tb-31.txt", tmp_path / "tb-31-sua.txt"
    first.write_text(_notice_lines(), encoding="utf-8")
    corrected.write_text(_notice_lines("25/6/2026"), encoding="utf-8")
    ok(database_url, "import", str(first), "--yes")
    output = ok(database_url, "import", str(corrected), "--set", "2.1.1 skip", "--yes")
    assert "Thay đổi: 0 nhiệm vụ mới, 0 nhiệm vụ sửa, 0 nhiệm vụ bỏ." in output
    tasks = {t["item_ref"]: t for t in json.loads(ok(database_url, "task", "list", "--status", "all", "--json"))}
    assert tasks["2.1.1"]["status"] == "open" and tasks["2.1.1"]["due_on"] == "2026-06-20"


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


def _owner_table(number: int, owner: str) -> str:
    return (f"Số: {number}/KH-UBND\nPhường Mẫu, ngày 08 tháng 6 năm 2026\nKẾ HOẠCH\nRà soát cơ sở kinh doanh\n\n"
            "STT\tNhiệm vụ\tĐơn vị chủ trì\tThời hạn\n"
            f"1\tRà soát các điểm kinh doanh karaoke đợt {number}\t{owner}\tTháng 7/2026\n"
            f"2\tKiểm tra phòng cháy tại chợ đợt {number}\tCông an phường\tTháng 8/2026\n")


def test_a_table_owner_outside_the_ward_is_shown_as_written_and_once_mapped_survives_init_again(
        tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    first, second = tmp_path / "kh-12.txt", tmp_path / "kh-13.txt"
    first.write_text(_owner_table(12, "Phòng Văn hóa và Thông tin"), encoding="utf-8")
    second.write_text(_owner_table(13, "Phòng Văn hoá và Thông tin"), encoding="utf-8")
    output = ok(database_url, "import", str(first), input="1 owner=VH-XH\n\n")
    assert "? Phòng Văn hóa và Thông tin" in output
    assert "Nhiệm vụ 1: đơn vị chủ trì là Phòng Văn hóa - Xã hội." in output
    # Why: the ward file's aliases are rewritten by init; a name office staff taught must not go with them.
    ok(database_url, "init", "--config", str(EXAMPLE))
    preview = ok(database_url, "import", str(second), "--yes")
    assert "? " not in preview and "Đã lưu 2 nhiệm vụ" in preview
    owners = {t["title"]: t["owner_unit"] for t in json.loads(ok(database_url, "task", "list", "--json"))}
    assert owners["Rà soát các điểm kinh doanh karaoke đợt 13"] == "Phòng Văn hóa - Xã hội"


def test_the_list_shows_each_document_with_its_task_counts(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    assert "Chưa nhập văn bản nào." in ok(database_url, "import", "--list")
    notice = tmp_path / "tb-31.txt"
    notice.write_text(_notice_lines(), encoding="utf-8")
    ok(database_url, "import", str(notice), "--yes")
    output = ok(database_url, "import", "--list")
    assert "thông báo kết luận số 31/TB-UBND" in output
    assert "08/06/2026" in output and "tb-31.txt" in output and "08/05/2026" in output


def test_undo_is_refused_when_a_task_has_results_and_force_keeps_that_task(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    notice = tmp_path / "tb-31.txt"
    notice.write_text(_notice_lines(), encoding="utf-8")
    ok(database_url, "import", str(notice), "--yes")
    tasks = {t["item_ref"]: t["id"] for t in json.loads(ok(database_url, "task", "list", "--json"))}
    ok(database_url, "task", "report", str(tasks["2.1.1"]), "--result", "Đã rà soát 40 hộ.", "--as", "tp-vhxh")
    refused = run(database_url, "import", "--undo", "31/TB-UBND", "--yes")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == ("Lỗi: 1 nhiệm vụ của văn bản này đã có báo cáo kết quả; thêm --force để hủy "
                                      "các nhiệm vụ còn lại và giữ những nhiệm vụ đó.")
    output = ok(database_url, "import", "--undo", "31/TB-UBND", "--force", "--yes")
    assert "hủy 1 nhiệm vụ, giữ 1 nhiệm vụ" in output
    listed = {t["item_ref"]: t["status"] for t in json.loads(ok(database_url, "task", "list", "--status", "all",
                                                                 "--json"))}
    assert listed == {"2.1.1": "open", "2.2.1": "cancelled"}
    ok(database_url, "import", str(notice), "--yes")  # an undone document is imported anew
    assert len(json.loads(ok(database_url, "task", "list", "--json"))) == 3


def test_options_that_do_not_go_together_get_one_vietnamese_line(tmp_path, database_url):
    ok(database_url, "init", "--config", str(EXAMPLE))
    notice = tmp_path / "tb-31.txt"
    notice.write_text(_notice_lines(), encoding="utf-8")
    for args in (["--list", "--undo", "1"], [str(notice), "--list"], [str(notice), "--force"], []):
        result = run(database_url, "import", *args)
        assert result.exit_code == 1 and result.stderr.startswith("Lỗi: ") and result.stderr.count("\n") == 1


def test_a_document_without_tasks_is_shown_and_not_stored(database_url, tmp_path):
    # Why: an invitation imported with --yes was stored as a source document with nothing in it.
    url = database_url
    ok(url, "init", "--config", str(EXAMPLE))
    invitation = tmp_path / "giay-moi.txt"
    invitation.write_text("GIẤY MỜI\nKính mời đồng chí dự họp giao ban lúc 8 giờ ngày 20/5/2026 tại hội trường.\n",
                          encoding="utf-8")

    result = run(url, "import", str(invitation), "--yes")

    assert result.exit_code == 1
    assert "Lỗi: Văn bản «giay-moi.txt» không có nhiệm vụ nào nên không lưu gì." in result.stderr
    assert json.loads(ok(url, "import", "--list", "--json")) == []


def test_a_deadline_corrected_to_a_date_that_does_not_exist_is_not_saved_even_with_yes(database_url, shared_dir,
                                                                                     tmp_path):
    # Why: "--set '2.2.1 deadline=31/02/2026' --yes" stored the task with no due date, never reminded.
    notice = _notice_copy(shared_dir, tmp_path)
    ok(database_url, "init", "--config", str(EXAMPLE))

    refused = run(database_url, "import", str(notice), "--set", "2.2.1 deadline=31/02/2026", "--yes")

    assert refused.exit_code == 1 and "Thời hạn của nhiệm vụ 2.2.1 là ngày không có thật" in refused.stderr
    assert json.loads(ok(database_url, "import", "--list", "--json")) == []


def test_the_review_prompt_asks_again_until_an_impossible_date_is_fixed(database_url, shared_dir, tmp_path):
    notice = _notice_copy(shared_dir, tmp_path)
    ok(database_url, "init", "--config", str(EXAMPLE))

    out = ok(database_url, "import", str(notice), input="2.2.1 deadline=31/02/2026\n\n2.2.1 deadline=28/2/2027\n\n")

    assert "là ngày không có thật: hãy sửa (deadline=...) hoặc bỏ (skip) trước khi lưu." in out
    assert "Đã lưu 70 nhiệm vụ" in out


def test_an_import_waiting_at_its_prompt_holds_no_lock_and_other_commands_go_on(database_url, shared_dir, tmp_path):
    # Why: the import held SQLite's write lock while it waited for the clerk, and a parallel
    # `tracker task add` failed with "database is locked".
    notice = _notice_copy(shared_dir, tmp_path)
    ok(database_url, "init", "--config", str(EXAMPLE))
    script = shutil.which("tracker", path=str(Path(sys.executable).parent))
    assert script, f"no tracker script next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_ORG", "TRACKER_AS")}
    env.update(TRACKER_DATABASE_URL=database_url, TRACKER_NOW=NOW, COLUMNS="200", PYTHONUNBUFFERED="1")
    importing = subprocess.Popen([script, "import", str(notice)], env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert importing.stdout is not None
        seen = b""
        while b"S\xe1\xbb\xada g\xc3\xac?" not in seen:  # "Sửa gì?": the import waits for the clerk
            chunk = importing.stdout.read1(65_536)
            assert chunk, importing.stderr.read().decode() if importing.stderr else "the import ended"
            seen += chunk

        added = run(database_url, "task", "add", "Việc giao trong lúc nhập", "--unit", "vhxh")

        out, _ = importing.communicate(input=b"\n", timeout=300)
    finally:
        if importing.poll() is None:
            importing.kill()
    assert added.exit_code == 0, added.stderr
    assert importing.returncode == 0 and "Đã lưu 70 nhiệm vụ".encode() in out


def test_a_hostile_file_given_to_the_command_line_is_refused_in_one_line(database_url, tmp_path):
    # The command line reads through the same bounded child process as the chat.
    ok(database_url, "init", "--config", str(EXAMPLE))
    bomb = base64.a85encode(zlib.compress(b"\0" * (400 * 1024 * 1024), 9)) + b"~>"
    stream = b"<< /Length %d /Filter [/ASCII85Decode /FlateDecode] >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    (tmp_path / "bom.pdf").write_bytes(minimal_pdf(b"BT ET", [stream]))

    result = run(database_url, "import", str(tmp_path / "bom.pdf"), "--yes")

    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Lỗi: Tệp «bom.pdf» khi giải nén lớn bất thường")


def test_a_dry_run_of_a_scanned_page_counts_the_pages_read_and_says_the_text_came_from_ocr(shared_dir, tmp_path):
    from scanned_pages import as_scanned_pdf, draw_page, font_missing_reason, page_lines, scanned

    if shutil.which("tesseract") is None or font_missing_reason():
        pytest.skip("tesseract-ocr-vie or fonts-dejavu-core is not installed")
    first_page = page_lines((shared_dir / "seeds" / NOTICE).read_text(encoding="utf-8"))[0]
    scan = tmp_path / "ban-scan.pdf"
    scan.write_bytes(as_scanned_pdf([scanned(draw_page(first_page))]))

    result = run(f"sqlite:///{tmp_path / 'absent.db'}", "import", str(scan), "--dry-run", "--config", str(EXAMPLE))

    assert result.exit_code == 0, (result.output, result.exception)
    assert "đã đọc 1/1 trang" in result.stderr
    assert "Lưu ý: Chữ được nhận dạng từ ảnh (OCR) 1 trang, độ tin cậy trung bình " in result.stdout
    assert "2.1.1" in result.stdout and "Phòng Kinh tế, Hạ tầng và Đô thị" in result.stdout
