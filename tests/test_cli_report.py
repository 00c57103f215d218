"""`tracker report ...` as office staff use it on report day: files, figures, missing results, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from docx import Document

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-27T09:00:00+07:00"


def ok(url: str, *args: str) -> str:
    return succeed(url, *args, now=NOW, COLUMNS="200")


def ward_with_tasks(url: str) -> None:
    """The example ward with two tasks of May: one reported on, one not."""
    ok(url, "init", "--config", str(EXAMPLE))
    ok(url, "task", "add", "Tổ chức Lễ đón Bằng công nhận trường chuẩn quốc gia", "--unit", "vhxh",
       "--due", "29/5/2026")
    ok(url, "task", "add", "Rà soát hộ nghèo, hộ cận nghèo", "--unit", "ca", "--due", "15/5/2026")
    ok(url, "task", "report", "1", "--result", "Kế hoạch số 175/KH-UBND ngày 06/5/2026", "--month", "2026-05",
       "--forecast", "Hoàn thành trong tháng 5")


def cells(path: Path) -> list[list[str]]:
    table = Document(str(path)).tables[0]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_appendix_as_a_word_file_has_the_months_tasks_grouped_by_unit(database_url, tmp_path):
    ward_with_tasks(database_url)
    out = tmp_path / "phu-luc-1.docx"
    printed = ok(database_url, "report", "appendix", "--month", "2026-05", "--number", "234", "--date", "27/5/2026",
                 "--out", str(out))
    assert "2 nhiệm vụ của 2 đơn vị" in printed
    rows = cells(out)
    assert rows[0][0] == "STT" and rows[0][5] == "Dự báo khả năng hoàn thành mục tiêu đã đề ra (tháng 5)"
    assert [r[0] for r in rows[1:]] == ["1", "1.1", "2", "2.1"]
    assert rows[1][1] == "Phòng Văn hóa - Xã hội (01 nhiệm vụ)"
    assert rows[2][4:6] == ["Kế hoạch số 175/KH-UBND ngày 06/5/2026", "Hoàn thành trong tháng 5"]
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 của Ủy ban nhân dân phường)" in text


def test_the_plan_as_an_excel_file_has_one_sheet_with_the_plans_columns(database_url, tmp_path):
    ward_with_tasks(database_url)
    out = tmp_path / "phu-luc-5.xlsx"
    ok(database_url, "report", "plan", "--month", "2026-06", "--out", str(out))
    sheet = openpyxl.load_workbook(out).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in values if r[0] == "STT")
    assert list(header) == ["STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn", "Đơn vị phối hợp"]
    assert [r[1] for r in values if r[0] in ("1.1", "2.1")] == [
        "Tổ chức Lễ đón Bằng công nhận trường chuẩn quốc gia", "Rà soát hộ nghèo, hộ cận nghèo"]


def test_an_empty_month_gives_a_valid_file_that_says_so(database_url, tmp_path):
    ok(database_url, "init", "--config", str(EXAMPLE))
    out = tmp_path / "trong.docx"
    ok(database_url, "report", "appendix", "--month", "2026-03", "--out", str(out))
    assert "Không có nhiệm vụ nào trong tháng 3/2026." in "\n".join(
        cell.text for table in Document(str(out)).tables for row in table.rows for cell in row.cells)


def test_stats_print_the_sentence_for_the_report_and_json_on_request(database_url):
    ward_with_tasks(database_url)
    assert ok(database_url, "report", "stats", "--month", "2026-05").startswith(
        "Từ 01/5/2026 đến 18/5/2026, tổng số nhiệm vụ trọng tâm của các phòng, đơn vị là 0 nhiệm vụ.")
    data = json.loads(ok(database_url, "report", "stats", "--month", "2026-05", "--until", "2026-05-27", "--json"))
    assert (data["total"], data["in_progress_on_time"], data["in_progress_overdue"]) == (2, 1, 1)
    assert data["by_unit"] == {"Phòng Văn hóa - Xã hội": 1, "Công an phường": 1}


def test_missing_lists_per_unit_the_tasks_without_a_result_for_the_month(database_url):
    ward_with_tasks(database_url)
    printed = ok(database_url, "report", "missing", "--month", "5/2026")
    assert "1 nhiệm vụ chưa có kết quả tháng 5/2026:" in printed
    assert "Công an phường (1):\n  [2] Rà soát hộ nghèo, hộ cận nghèo (hạn 15/05/2026)" in printed
    data = json.loads(ok(database_url, "report", "missing", "--month", "2026-05", "--json"))
    assert data == {"month": "2026-05", "units": [{"unit": "Công an phường", "tasks": [
        {"id": 2, "title": "Rà soát hộ nghèo, hộ cận nghèo", "due": "2026-05-15"}]}]}


def test_exclude_and_include_change_one_months_appendix(database_url, tmp_path):
    ward_with_tasks(database_url)
    assert "Đã bỏ nhiệm vụ số 2 khỏi phụ lục tháng 5/2026." in ok(
        database_url, "report", "exclude", "2", "--month", "2026-05", "--reason", "Chuyển sang tháng 6.")
    out = tmp_path / "phu-luc-1.xlsx"
    assert "1 nhiệm vụ của 1 đơn vị" in ok(database_url, "report", "appendix", "--month", "2026-05",
                                          "--out", str(out))
    assert "Đã đưa nhiệm vụ số 2 vào" in ok(database_url, "report", "include", "2", "--month", "2026-05",
                                             "--reason", "Đã có kết quả.")


def test_bad_input_gets_one_vietnamese_line_and_writes_no_file(database_url, tmp_path):
    ward_with_tasks(database_url)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    cases = [
        (("appendix", "--month", "2026-05", "--out", str(tmp_path / "x.pdf")), "phải có đuôi .docx"),
        (("appendix", "--month", "tháng năm", "--out", str(tmp_path / "x.docx")), "không đúng dạng năm-tháng"),
        (("appendix", "--month", "2026-05", "--date", "31/4/2026", "--out", str(tmp_path / "x.docx")),
         "không có thật"),
        (("appendix", "--month", "2026-05", "--out", str(tmp_path / "absent" / "x.docx")), "không tồn tại"),
        (("exclude", "1", "--month", "2026-05"), "Cần ghi rõ lý do"),
        (("stats", "--month", "2026-05", "--until", "2026-06-01"), "không thuộc tháng 5/2026"),
    ]
    for args, message in cases:
        result = invoke(database_url, "report", *args, now=NOW, COLUMNS="200")
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert list(tmp_path.iterdir()) == []


def test_a_unit_head_may_list_its_own_missing_results_but_not_make_the_appendix(database_url, tmp_path):
    ward_with_tasks(database_url)
    assert "Rà soát hộ nghèo" not in ok(database_url, "report", "missing", "--month", "2026-05", "--as", "tp-vhxh")
    result = invoke(database_url, "report", "appendix", "--month", "2026-05", "--out", str(tmp_path / "a.docx"),
                    "--as", "tp-vhxh", now=NOW)
    assert result.exit_code == 1 and "không có quyền lập báo cáo tháng" in result.output
