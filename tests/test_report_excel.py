"""write_xlsx: the monthly appendices (Phụ lục 1 and 5) as an Excel workbook, read back with openpyxl, with the
project's importer and, where LibreOffice can open spreadsheets, printed to PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_path
from tracker.reports.excel import EXCEL_CELL_LIMIT, write_xlsx
from tracker.reports.model import Appendix, AppendixKind, AppendixRow, AppendixUnit

VHXH = "Phòng Văn hóa - Xã hội"
CA = "Công an phường"
HEADER_ROW = 5

# --- builders ---------------------------------------------------------------------------------------


def task(number: str, title: str = "Rà soát đối tượng bảo trợ xã hội", **fields: str) -> AppendixRow:
    values = {"expected_output": "Kế hoạch", "deadline": "Tháng 5"} | fields
    return AppendixRow(number=number, title=title, **values)


def unit(number: int, name: str, *rows: AppendixRow) -> AppendixUnit:
    return AppendixUnit(number=number, name=name, rows=rows)


def results(*units: AppendixUnit, label: str = "1", month: int = 5) -> Appendix:
    return Appendix(kind=AppendixKind.RESULTS, label=label, year=2026, month=month, ward_name="Phường Mẫu",
                    units=units, report_number="234", report_date=date(2026, 5, 27))


def plan(*units: AppendixUnit) -> Appendix:
    return Appendix(kind=AppendixKind.PLAN, label="5", year=2026, month=6, ward_name="Phường Mẫu", units=units,
                    report_number="234", report_date=date(2026, 5, 27))


def may_results() -> Appendix:
    return results(
        unit(1, VHXH,
             task("1.1", "Tham mưu chuẩn bị công tác tuyển sinh đầu cấp", expected_output="Công văn; Kế hoạch",
                  result="- Quyết định số 1558/QĐ-UBND ngày 18/5/2026;\n- Công văn 1556/UBND-VHXH ngày 06/5/2026",
                  forecast="Hoàn thành"),
             task("1.10", "Thực hiện xác định và cấp giấy xác nhận mức độ khuyết tật",
                  expected_output="Giấy xác nhận", deadline="Trước ngày 20/5/2026",
                  result="Thông báo số 1303/TB-UBND ngày 04/5/2026", forecast="Hoàn thành",
                  recommendation="Đề nghị bổ sung kinh phí")),
        unit(2, CA,
             task("2.1", "Tổ dân phố không có ma túy", expected_output="Giữ vững 12 TDP không ma túy",
                  deadline="Thường xuyên", result="Chuẩn bị hồ sơ xây dựng mới", forecast="Có khả năng hoàn thành")),
    )


def june_plan() -> Appendix:
    return plan(
        unit(1, VHXH, task("1.1", "Xây dựng Kế hoạch bình đẳng giới năm 2026", deadline="Tháng 6",
                           coordinating="Công an phường; Trạm Y tế")),
        unit(2, CA, task("2.1", "Bảo đảm an ninh trật tự kỳ thi tốt nghiệp THPT", deadline="Trước ngày 25/6/2026",
                         coordinating="Các phòng nghiệp vụ CATP")),
    )


def write(tmp_path: Path, *appendices: Appendix) -> Path:
    path = tmp_path / "phu-luc.xlsx"
    write_xlsx(appendices, path)
    return path


def opened(tmp_path: Path, *appendices: Appendix) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write(tmp_path, *appendices))


def rows_of(sheet: Worksheet) -> list[tuple[str, ...]]:
    """Each row's values as text, without the empty cells at its end."""
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = ["" if value is None else value for value in values]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(tuple(cells))
    return rows


def expected_rows(appendix: Appendix) -> list[tuple[str, ...]]:
    def trimmed(cells: tuple[str, ...]) -> tuple[str, ...]:
        cells_list = list(cells)
        while cells_list and cells_list[-1] == "":
            cells_list.pop()
        return tuple(cells_list)

    rows = [(appendix.heading,), (appendix.title,), (appendix.attachment_line,), (), appendix.columns]
    for group in appendix.units:
        rows.append((str(group.number), group.heading))
        rows.extend(trimmed(row.cells(appendix.kind)) for row in group.rows)
    return rows


# --- sheets -----------------------------------------------------------------------------------------


def test_each_appendix_gets_a_sheet_named_after_its_label(tmp_path):
    workbook = opened(tmp_path, may_results(), june_plan())
    assert workbook.sheetnames == ["Phụ lục 1", "Phụ lục 5"]


def test_repeated_and_unusable_labels_still_give_unique_sheet_names_excel_accepts(tmp_path):
    labels = ["1", "1", "2/3: [bổ sung]*?", "rất dài " * 10, "a", "A"]
    workbook = opened(tmp_path, *(results(label=label) for label in labels))
    names = workbook.sheetnames
    assert names[:2] == ["Phụ lục 1", "Phụ lục 1 (2)"]
    assert len({name.casefold() for name in names}) == len(labels)  # Excel compares names ignoring case
    assert all(len(name) <= 31 and not set(name) & set("\\/*?:[]") for name in names)
    assert names[2].startswith("Phụ lục 2-3- -bổ sung")


# --- what the cells hold ----------------------------------------------------------------------------


def test_the_results_sheet_holds_the_title_block_header_units_and_tasks_row_by_row(tmp_path):
    appendix = may_results()
    sheet = opened(tmp_path, appendix)["Phụ lục 1"]
    assert rows_of(sheet) == expected_rows(appendix)
    assert rows_of(sheet)[:3] == [
        ("PHỤ LỤC 1",),
        ("KẾT QUẢ THỰC HIỆN NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ THÁNG 5 NĂM 2026",),
        ("(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 của Ủy ban nhân dân phường)",),
    ]
    assert rows_of(sheet)[5] == ("1", "Phòng Văn hóa - Xã hội (02 nhiệm vụ)")


def test_the_plan_sheet_holds_its_five_columns_row_by_row(tmp_path):
    appendix = june_plan()
    sheet = opened(tmp_path, appendix)["Phụ lục 5"]
    assert rows_of(sheet) == expected_rows(appendix)
    assert rows_of(sheet)[HEADER_ROW - 1][-1] == "Đơn vị phối hợp"
    assert sheet.max_column == 5


def test_stt_values_stay_text_so_1_10_is_not_the_number_1_1(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    stt = [sheet.cell(row=r, column=1) for r in range(HEADER_ROW + 1, sheet.max_row + 1)]
    assert [c.value for c in stt] == ["1", "1.1", "1.10", "2", "2.1"]
    assert {c.data_type for c in stt} == {"s"}
    assert {c.number_format for c in stt} == {"@"}  # typing over them in Excel keeps them text too


def test_text_that_looks_like_a_formula_or_an_error_stays_text(tmp_path):
    appendix = results(unit(1, VHXH, task("1.1", "=SUM(A1:A9)", result="#N/A", forecast="=1+1")))
    sheet = opened(tmp_path, appendix)["Phụ lục 1"]
    cells = [sheet.cell(row=HEADER_ROW + 2, column=c) for c in (2, 5, 6)]
    assert [c.value for c in cells] == ["=SUM(A1:A9)", "#N/A", "=1+1"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert all(c.quotePrefix for c in cells)


def test_control_characters_xml_forbids_are_removed_instead_of_crashing(tmp_path):
    dirty = "Rà soát\x00 hộ\x07 nghèo\x1b\ufffe\ud800"
    sheet = opened(tmp_path, results(unit(1, VHXH, task("1.1", dirty, result="Xong\x0b\x0c\ttốt"))))["Phụ lục 1"]
    assert sheet.cell(row=HEADER_ROW + 2, column=2).value == "Rà soát hộ nghèo"
    assert sheet.cell(row=HEADER_ROW + 2, column=5).value == "Xong\ttốt"


def test_decomposed_text_comes_back_composed(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Tổ chức Ngày hội việc làm")
    name = unicodedata.normalize("NFD", VHXH)
    sheet = opened(tmp_path, results(unit(1, name, task("1.1", decomposed))))["Phụ lục 1"]
    assert sheet.cell(row=HEADER_ROW + 1, column=2).value == "Phòng Văn hóa - Xã hội (01 nhiệm vụ)"
    assert sheet.cell(row=HEADER_ROW + 2, column=2).value == "Tổ chức Ngày hội việc làm"
    assert sheet.title == "Phụ lục 1"


def test_multi_line_results_keep_their_line_breaks(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    assert sheet.cell(row=HEADER_ROW + 2, column=5).value == (
        "- Quyết định số 1558/QĐ-UBND ngày 18/5/2026;\n- Công văn 1556/UBND-VHXH ngày 06/5/2026"
    )
    windows = results(unit(1, VHXH, task("1.1", result="Dòng một\r\nDòng hai\rDòng ba")))
    assert opened(tmp_path, windows)["Phụ lục 1"]["E7"].value == "Dòng một\nDòng hai\nDòng ba"


def test_text_beyond_the_excel_cell_limit_is_cut_with_a_visible_mark_and_nothing_else_is_lost(tmp_path):
    long_result = "Kết quả " * 5000  # 40,000 characters
    emoji = "\U0001f4c4" * 20_000  # two UTF-16 units each, the way Excel counts them
    appendix = results(unit(1, VHXH, task("1.1", emoji, result=long_result, forecast="Hoàn thành")))
    sheet = opened(tmp_path, appendix)["Phụ lục 1"]
    result, title = sheet["E7"].value, sheet["B7"].value
    assert len(result) == EXCEL_CELL_LIMIT and result.endswith("…")
    assert result[:-1] == long_result[: EXCEL_CELL_LIMIT - 1]
    assert len(title.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT and title.endswith("…")
    assert set(title[:-1]) == {"\U0001f4c4"}
    assert sheet["F7"].value == "Hoàn thành"


def test_an_appendix_without_units_shows_its_title_block_header_and_no_tasks_line(tmp_path):
    appendix = results(month=7)
    sheet = opened(tmp_path, appendix)["Phụ lục 1"]
    assert rows_of(sheet)[HEADER_ROW - 1] == appendix.columns
    assert rows_of(sheet)[HEADER_ROW:] == [("Không có nhiệm vụ nào trong tháng 7/2026.",)]
    assert f"A{HEADER_ROW + 1}:G{HEADER_ROW + 1}" in {str(r) for r in sheet.merged_cells.ranges}


def test_no_appendix_at_all_is_refused():
    with pytest.raises(ValueError):
        write_xlsx([], io.BytesIO())


def test_an_open_binary_file_receives_the_same_workbook(tmp_path):
    buffer = io.BytesIO()
    write_xlsx([may_results()], buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Phụ lục 1"]
    assert rows_of(sheet) == rows_of(opened(tmp_path, may_results())["Phụ lục 1"])


# --- how it looks -----------------------------------------------------------------------------------


def test_the_title_block_is_merged_across_the_table_centred_bold_and_italic(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    assert {"A1:G1", "A2:G2", "A3:G3"} <= {str(r) for r in sheet.merged_cells.ranges}
    heading, title, attachment = sheet["A1"], sheet["A2"], sheet["A3"]
    assert {c.alignment.horizontal for c in (heading, title, attachment)} == {"center"}
    assert heading.font.b and title.font.b and not attachment.font.b
    assert attachment.font.i and not title.font.i


def test_the_header_row_is_bold_centred_wrapped_and_boxed(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    header = list(sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW))[0]
    assert all(c.font.b and c.alignment.horizontal == "center" and c.alignment.wrap_text for c in header)
    assert all(c.border.left.style == c.border.bottom.style == "thin" for c in header)


def test_unit_rows_are_bold_and_task_rows_are_not(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    bold = {r: all(c.font.b for c in row) for r, row in enumerate(sheet.iter_rows(min_row=HEADER_ROW + 1),
                                                                       start=HEADER_ROW + 1)}
    assert bold == {6: True, 7: False, 8: False, 9: True, 10: False}


def test_every_table_cell_wraps_top_aligned_in_times_new_roman_with_thin_borders(tmp_path):
    sheet = opened(tmp_path, may_results(), june_plan())["Phụ lục 5"]
    cells = [c for row in sheet.iter_rows(min_row=HEADER_ROW + 1) for c in row]
    assert len(cells) == 4 * 5
    assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in cells)
    assert {c.font.name for c in cells} == {"Times New Roman"}
    assert {side.style for c in cells for side in (c.border.left, c.border.right, c.border.top, c.border.bottom)} == {
        "thin"
    }


def test_panes_freeze_below_the_header_and_the_filter_covers_the_table(tmp_path):
    workbook = opened(tmp_path, may_results(), june_plan())
    assert workbook["Phụ lục 1"].freeze_panes == "A6"
    assert workbook["Phụ lục 1"].auto_filter.ref == "A5:G10"
    assert workbook["Phụ lục 5"].auto_filter.ref == "A5:E9"


def test_the_stt_column_is_narrow_and_the_task_and_result_columns_wide(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    width = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert width["A"] < 10
    assert width["B"] >= 40 and width["E"] >= 40
    assert all(width["A"] < width[c] < width["B"] for c in "CDFG")


def test_the_sheet_prints_landscape_on_a4_fit_to_width_with_the_header_row_on_every_page(tmp_path):
    sheet = opened(tmp_path, may_results())["Phụ lục 1"]
    assert sheet.print_title_rows == "$5:$5"
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


# --- other readers ----------------------------------------------------------------------------------


def test_the_importer_reads_the_workbook_back_as_the_same_tasks(tmp_path):
    source = read_path(write(tmp_path, may_results(), june_plan()), max_bytes=5 * 1024 * 1024)
    parsed = parse_document(source.text, units=UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE)),
                            today=date(2026, 5, 18))

    assert (parsed.kind, parsed.number, parsed.issued, parsed.report_month) == (
        "task_table", "234/BC-UBND", date(2026, 5, 27), "2026-05"
    )
    assert parsed.warnings == []
    got = {t.ref: t for t in parsed.tasks}
    assert list(got) == ["PL1-1.1", "PL1-1.10", "PL1-2.1", "PL5-1.1", "PL5-2.1"]
    for ref, row, owner in (("PL1-1.1", 0, VHXH), ("PL1-1.10", 1, VHXH), ("PL1-2.1", 2, CA)):
        written = [r for group in may_results().units for r in group.rows][row]
        found = got[ref]
        assert (found.owner.unit, found.title, found.expected_output, found.deadline.text) == (
            owner, written.title, written.expected_output, written.deadline
        )
        assert found.update is not None
        # The importer reads every cell as one line, so a result's line breaks come back as spaces.
        assert (found.update.result, found.update.forecast, found.update.recommendation) == (
            " ".join(written.result.split()), written.forecast, written.recommendation
        )
    assert [got[r].deadline.due for r in ("PL1-1.1", "PL1-1.10")] == [date(2026, 5, 31), date(2026, 5, 20)]
    assert got["PL1-2.1"].deadline.kind == "recurring"
    assert [c.unit for c in got["PL5-1.1"].coordinating] == [CA, "Trạm Y tế"]
    assert (got["PL5-2.1"].owner.unit, got["PL5-2.1"].deadline.due) == (CA, date(2026, 6, 25))


def test_libreoffice_prints_the_workbook_to_a_pdf(tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed: the PDF check needs it")
    pdf = _to_pdf(office, write(tmp_path, may_results(), june_plan(), results(month=7)), tmp_path)
    if pdf is None:
        # Tell a LibreOffice without its spreadsheet part apart from a workbook it rejects: a one-cell
        # workbook openpyxl makes on its own must convert if this LibreOffice can open spreadsheets at all.
        probe = openpyxl.Workbook()
        probe.worksheets[0]["A1"] = "thử"
        probe.save(tmp_path / "probe.xlsx")
        if _to_pdf(office, tmp_path / "probe.xlsx", tmp_path) is None:
            pytest.skip("this LibreOffice cannot open spreadsheets (its Calc component is not installed)")
    assert pdf is not None and pdf.stat().st_size > 0


def _to_pdf(office: str, source: Path, tmp_path: Path) -> Path | None:
    out = tmp_path / "pdf"
    subprocess.run(
        [office, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--convert-to", "pdf",
         "--outdir", str(out), str(source)],
        capture_output=True, timeout=180, check=False,
    )
    pdf = out / f"{source.stem}.pdf"
    return pdf if pdf.is_file() else None
