"""The Word file of the monthly appendix (tracker.reports.word.write_docx), read back with python-docx."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from tracker.errors import InvalidInputError
from tracker.reports.make_template import build_template
from tracker.reports.model import Appendix, AppendixKind, AppendixRow, AppendixUnit
from tracker.reports.word import write_docx

RESULT = "- Quyết định số 1558/QĐ-UBND ngày 18/5/2026;\n- Công văn số 1556/UBND-VHXH ngày 06/5/2026"


def task(number: str, title: str = "Rà soát đối tượng bảo trợ xã hội", **fields: Any) -> AppendixRow:
    values = {"expected_output": "Kế hoạch; Công văn", "deadline": "Tháng 5", "result": RESULT,
              "forecast": "Hoàn thành", "coordinating": "Các phòng, đơn vị thuộc phường", **fields}
    return AppendixRow(number=number, title=title, **values)


def unit(number: int, name: str, count: int) -> AppendixUnit:
    rows = tuple(task(f"{number}.{i}", f"Nhiệm vụ {number}.{i}") for i in range(1, count + 1))
    return AppendixUnit(number, name, rows)


def appendix(kind: AppendixKind = AppendixKind.RESULTS, units: tuple[AppendixUnit, ...] | None = None,
             **fields: Any) -> Appendix:
    plan = kind is AppendixKind.PLAN
    values = {"label": "5" if plan else "1", "year": 2026, "month": 6 if plan else 5, "ward_name": "Phường Mẫu",
              "units": (unit(1, "Phòng Văn hóa - Xã hội", 3), unit(2, "Công an phường", 2)) if units is None else units,
              "report_number": "234", "report_date": date(2026, 5, 27), **fields}
    return Appendix(kind=kind, **values)


def written(tmp_path: Path, *appendices: Appendix, template: Path | None = None) -> DocumentObject:
    target = tmp_path / "phu-luc.docx"
    write_docx(appendices, target, template=template)
    return Document(str(target))


def expected_rows(item: Appendix) -> list[tuple[str, ...]]:
    rows = [item.columns]
    width = len(item.columns)
    for group in item.units:
        rows.append((str(group.number), group.heading, *[""] * (width - 2)))
        rows.extend(row.cells(item.kind) for row in group.rows)
    return rows


def cell_texts(table: Table) -> list[tuple[str, ...]]:
    return [tuple(cell.text for cell in row.cells) for row in table.rows]


def style_value(paragraph: Paragraph, read: Callable[[Any], Any]) -> Any:
    """A property as Word resolves it: the runs' own, else the paragraph style's, else its base styles'."""
    explicit = {read(run) for run in paragraph.runs} - {None}
    if explicit:
        assert len(explicit) == 1, paragraph.text
        return explicit.pop()
    style = paragraph.style
    while style is not None:
        if read(style) is not None:
            return read(style)
        style = style.base_style
    return None


def is_bold(paragraph: Paragraph) -> bool:
    return bool(style_value(paragraph, lambda item: item.font.bold))


def is_italic(paragraph: Paragraph) -> bool:
    return bool(style_value(paragraph, lambda item: item.font.italic))


def alignment(paragraph: Paragraph) -> Any:
    if paragraph.paragraph_format.alignment is not None:
        return paragraph.paragraph_format.alignment
    style = paragraph.style
    while style is not None and style.paragraph_format.alignment is None:
        style = style.base_style
    return None if style is None else style.paragraph_format.alignment


def body_paragraphs(document: DocumentObject) -> list[Paragraph]:
    return [paragraph for paragraph in document.paragraphs if paragraph.text]


def test_a_results_appendix_reads_back_cell_by_cell(tmp_path: Path) -> None:
    item = appendix()
    document = written(tmp_path, item)

    assert len(document.tables) == 1
    assert cell_texts(document.tables[0]) == expected_rows(item)
    assert cell_texts(document.tables[0])[1][:2] == ("1", "Phòng Văn hóa - Xã hội (03 nhiệm vụ)")
    assert cell_texts(document.tables[0])[0][5] == "Dự báo khả năng hoàn thành mục tiêu đã đề ra (tháng 5)"


def test_a_plan_appendix_reads_back_cell_by_cell(tmp_path: Path) -> None:
    item = appendix(AppendixKind.PLAN)
    document = written(tmp_path, item)

    assert cell_texts(document.tables[0]) == expected_rows(item)
    assert cell_texts(document.tables[0])[0] == ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn",
                                                 "Đơn vị phối hợp")
    assert cell_texts(document.tables[0])[2][4] == "Các phòng, đơn vị thuộc phường"


def test_the_title_block_is_bold_centred_and_the_attachment_line_italic(tmp_path: Path) -> None:
    item = appendix()
    heading, title, attachment = body_paragraphs(written(tmp_path, item))

    assert [heading.text, title.text, attachment.text] == [item.heading, item.title, item.attachment_line]
    assert attachment.text == "(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 của Ủy ban nhân dân phường)"
    assert is_bold(heading) and is_bold(title) and not is_bold(attachment)
    assert is_italic(attachment) and not is_italic(title)
    assert {alignment(heading), alignment(title), alignment(attachment)} == {WD_ALIGN_PARAGRAPH.CENTER}


def test_the_dateline_names_the_place_and_the_report_date_as_the_decree_writes_it(tmp_path: Path) -> None:
    dated = body_paragraphs(written(tmp_path, appendix(place="Phù Liễn", report_date=date(2026, 2, 5))))[0]
    undated = body_paragraphs(written(tmp_path, appendix(place="Phù Liễn", report_date=None)))[0]
    placeless = written(tmp_path, appendix(place="")).paragraphs[0]

    assert dated.text == "Phù Liễn, ngày 05 tháng 02 năm 2026"
    assert is_italic(dated) and alignment(dated) == WD_ALIGN_PARAGRAPH.RIGHT
    assert undated.text == "Phù Liễn, ngày      tháng      năm 2026"
    assert placeless.text == "PHỤ LỤC 1"


def test_unit_rows_are_bold_and_task_rows_are_not(tmp_path: Path) -> None:
    item = appendix()
    table = written(tmp_path, item).tables[0]
    unit_rows = {1, 5}

    for index, row in enumerate(table.rows[1:], start=1):
        paragraphs = [paragraph for cell in row.cells for paragraph in cell.paragraphs if paragraph.text]
        assert paragraphs
        assert all(is_bold(paragraph) == (index in unit_rows) for paragraph in paragraphs), index
    assert all(is_bold(cell.paragraphs[0]) for cell in table.rows[0].cells)
    assert all(alignment(cell.paragraphs[0]) == WD_ALIGN_PARAGRAPH.CENTER for cell in table.rows[0].cells)


def test_the_header_row_repeats_on_every_page_and_no_row_splits(tmp_path: Path) -> None:
    rows = written(tmp_path, appendix()).tables[0].rows

    flags = [row._tr.trPr for row in rows]
    assert flags[0] is not None and flags[0].find(qn("w:tblHeader")) is not None
    assert all(flag is not None and flag.find(qn("w:tblHeader")) is None for flag in flags[1:])
    assert all(flag.find(qn("w:cantSplit")) is not None for flag in flags)


def test_every_appendix_is_a4_landscape_with_the_decree_margins(tmp_path: Path) -> None:
    document = written(tmp_path, appendix(), appendix(AppendixKind.PLAN))

    assert len(document.sections) == 2
    for section in document.sections:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
        margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
        assert [round(margin.mm, 1) for margin in margins] == [20.0, 20.0, 30.0, 15.0]


def test_columns_fill_the_text_width_with_stt_narrow_and_task_and_result_widest(tmp_path: Path) -> None:
    document = written(tmp_path, appendix(), appendix(AppendixKind.PLAN))
    section = document.sections[0]
    text_width = round((section.page_width - section.left_margin - section.right_margin) / 635)

    for table in document.tables:
        widths = [int(column.get(qn("w:w"))) for column in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(widths) - text_width) <= 1
        assert widths[0] == min(widths)
        assert widths[1] == max(widths)
    results = [int(column.get(qn("w:w"))) for column in document.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sorted(results)[-2:] == sorted([results[1], results[4]])


def test_text_is_times_new_roman_13_and_the_table_12(tmp_path: Path) -> None:
    document = written(tmp_path, appendix())
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = defaults.find(qn("w:rFonts"))

    def font_name(paragraph: Paragraph) -> str:
        return style_value(paragraph, lambda item: item.font.name) or fonts.get(qn("w:ascii"))

    table_paragraphs = [p for row in document.tables[0].rows for cell in row.cells for p in cell.paragraphs]
    assert {fonts.get(qn(name)) for name in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")} == {"Times New Roman"}
    assert {font_name(paragraph) for paragraph in body_paragraphs(document) + table_paragraphs} == {"Times New Roman"}
    assert {style_value(paragraph, lambda item: item.font.size) for paragraph in body_paragraphs(document)} == {Pt(13)}
    assert {style_value(paragraph, lambda item: item.font.size) for paragraph in table_paragraphs} == {Pt(12)}


def test_pages_are_numbered_by_a_page_field_in_the_header_restarting_for_each_appendix(tmp_path: Path) -> None:
    document = written(tmp_path, appendix(), appendix(AppendixKind.PLAN))

    for section in document.sections:
        instructions = "".join(node.text or "" for node in section.header._element.iter(qn("w:instrText")))
        assert instructions.split() == ["PAGE"]
        assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        # Decree 30: no number on an appendix's first page.
        assert section.different_first_page_header_footer
        assert not "".join(p.text for p in section.first_page_header.paragraphs)


def test_text_with_combining_marks_is_written_in_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Tổ chức Hội nghị tập huấn kỹ năng số")
    row = task("1.1", decomposed, result=unicodedata.normalize("NFD", "Đã hoàn thành"))
    group = AppendixUnit(1, unicodedata.normalize("NFD", "Phòng Văn hóa - Xã hội"), (row,))
    document = written(tmp_path, appendix(units=(group,), ward_name=unicodedata.normalize("NFD", "Phường Mẫu")))

    cells = cell_texts(document.tables[0])
    assert cells[1][1] == "Phòng Văn hóa - Xã hội (01 nhiệm vụ)"
    assert cells[2][1] == "Tổ chức Hội nghị tập huấn kỹ năng số"
    assert cells[2][4] == "Đã hoàn thành"
    everything = "".join("".join(row) for row in cells) + "".join(p.text for p in document.paragraphs)
    assert everything == unicodedata.normalize("NFC", everything)


def test_line_breaks_in_a_cell_are_kept_as_paragraphs_and_long_text_is_whole(tmp_path: Path) -> None:
    long_title = "Giải phóng mặt bằng dự án đường nối; " * 200
    row = task("1.1", long_title, result="- Kế hoạch số 1;\r\n- Kế hoạch số 2;\v- Công văn số 3\n\tghi chú")
    cell = written(tmp_path, appendix(units=(AppendixUnit(1, "Ban Quản lý dự án", (row,)),))).tables[0].rows[2].cells

    lines = ["- Kế hoạch số 1;", "- Kế hoạch số 2;", "- Công văn số 3", "\tghi chú"]
    assert [p.text for p in cell[4].paragraphs] == lines
    assert cell[4].text == "- Kế hoạch số 1;\n- Kế hoạch số 2;\n- Công văn số 3\n\tghi chú"
    assert cell[1].text == long_title


def test_an_appendix_without_units_shows_the_no_tasks_line(tmp_path: Path) -> None:
    item = appendix(AppendixKind.PLAN, units=())
    document = written(tmp_path, item)

    rows = document.tables[0].rows
    assert len(rows) == 2
    assert tuple(cell.text for cell in rows[0].cells) == item.columns
    assert {cell.text for cell in rows[1].cells} == {"Không có nhiệm vụ nào trong tháng 6/2026."}
    assert [p.text for p in body_paragraphs(document)] == [item.heading, item.title, item.attachment_line]


def test_two_appendices_share_one_file_each_with_its_title_and_table(tmp_path: Path) -> None:
    results, plan = appendix(), appendix(AppendixKind.PLAN)
    document = written(tmp_path, results, plan)

    texts = [p.text for p in body_paragraphs(document)]
    assert texts == [results.heading, results.title, results.attachment_line,
                     plan.heading, plan.title, plan.attachment_line]
    assert [cell_texts(table) for table in document.tables] == [expected_rows(results), expected_rows(plan)]
    assert "Ghi chú" not in "".join(texts)  # the template's note to its editors stays out
    first_section_ends = document.sections[0]._sectPr.getparent().getparent()
    assert first_section_ends.tag == qn("w:p")


def test_the_file_can_be_written_to_a_binary_stream(tmp_path: Path) -> None:
    stream = io.BytesIO()
    write_docx([appendix()], stream)

    assert cell_texts(Document(io.BytesIO(stream.getvalue())).tables[0]) == expected_rows(appendix())


def test_a_missing_template_is_refused_in_vietnamese(tmp_path: Path) -> None:
    target = tmp_path / "phu-luc.docx"
    with pytest.raises(InvalidInputError, match="Không tìm thấy tệp mẫu phụ lục"):
        write_docx([appendix()], target, template=tmp_path / "khong-co.docx")
    assert not target.exists()


def test_a_template_that_is_not_a_docx_is_refused_in_vietnamese(tmp_path: Path) -> None:
    text_file = tmp_path / "mau.txt"
    text_file.write_text("không phải Word", encoding="utf-8")
    fake_docx = tmp_path / "mau.docx"
    fake_docx.write_text("không phải Word", encoding="utf-8")

    with pytest.raises(InvalidInputError, match="không phải tệp Word .docx"):
        write_docx([appendix()], tmp_path / "a.docx", template=text_file)
    with pytest.raises(InvalidInputError, match="hỏng hoặc không phải tệp Word .docx"):
        write_docx([appendix()], tmp_path / "b.docx", template=fake_docx)


def test_a_template_whose_table_lost_its_sample_rows_is_refused_in_vietnamese(tmp_path: Path) -> None:
    template = tmp_path / "mau.docx"
    build_template(template)
    edited = Document(str(template))
    table = edited.tables[1]._tbl
    table.remove(table.findall(qn("w:tr"))[-1])
    edited.save(str(template))

    with pytest.raises(InvalidInputError, match="phải có đúng 4 dòng"):
        write_docx([appendix()], tmp_path / "phu-luc.docx", template=template)


def test_a_template_restyled_in_word_drives_the_look(tmp_path: Path) -> None:
    template = tmp_path / "mau.docx"
    build_template(template)
    edited = Document(str(template))
    edited.styles["Bảng phụ lục: dòng đơn vị"].font.italic = True
    edited.styles["Bảng phụ lục: dòng nhiệm vụ"].font.size = Pt(11)
    edited.save(str(template))

    table = written(tmp_path, appendix(), template=template).tables[0]
    assert is_italic(table.rows[1].cells[1].paragraphs[0])
    assert style_value(table.rows[2].cells[1].paragraphs[0], lambda item: item.font.size) == Pt(11)


def test_the_shipped_template_matches_what_its_script_builds(tmp_path: Path) -> None:
    rebuilt = tmp_path / "mau.docx"
    build_template(rebuilt)
    item = appendix()

    from_script = written(tmp_path, item, template=rebuilt)
    (tmp_path / "shipped").mkdir()
    shipped = written(tmp_path / "shipped", item)
    assert cell_texts(from_script.tables[0]) == cell_texts(shipped.tables[0])
    assert [s.name for s in from_script.styles] == [s.name for s in shipped.styles]


def test_libreoffice_converts_the_file_to_a_pdf(tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed, so the file cannot be converted to PDF here")
    source = tmp_path / "phu-luc.docx"
    write_docx([appendix(), appendix(AppendixKind.PLAN), appendix(AppendixKind.PLAN, units=())], source)
    profile = (tmp_path / "lo-profile").as_uri()

    command = [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
               str(tmp_path), str(source)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)

    pdf = tmp_path / "phu-luc.pdf"
    assert finished.returncode == 0, finished.stderr
    assert pdf.is_file() and pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_no_document_is_left_in_memory_after_writing(tmp_path: Path) -> None:
    # Regression: python-docx's parts point at each other, so a written document stayed in memory until the
    # cycle collector ran, which its lxml allocations never trigger; a service grew by ~25 MB per appendix.
    import gc

    from docx.opc.package import OpcPackage

    gc.collect()
    write_docx([appendix()], io.BytesIO())
    assert not [o for o in gc.get_objects() if isinstance(o, OpcPackage)]
