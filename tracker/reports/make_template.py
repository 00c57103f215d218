"""Builds the Word template of the appendices (templates/appendix.docx).

The template is the place where the look of Phụ lục 1 and 5 lives; office staff may restyle it in Word.
This script only exists so that the shipped template can be rebuilt from scratch:

    python -m tracker.reports.make_template [OUTPUT.docx]

What tracker.reports.word expects of a template:
- the paragraphs before the first table are the title block; `{{heading}}`, `{{title}}`, `{{attachment}}`,
  `{{dateline}}`, `{{ward}}`, `{{month}}` and `{{year}}` in them are replaced (a paragraph that comes out
  empty is left out);
- one table per kind of appendix, told apart by their number of columns (7: Phụ lục 1, 5: Phụ lục 5), each
  with four rows: the header row, a sample unit row, a sample task row and the "no tasks" row;
- everything after the first table other than those tables (such as the note below them) is left out;
- the last section's page setup, headers and footers are used for every appendix.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

TEMPLATE_PATH = Path(__file__).with_name("templates") / "appendix.docx"

FONT = "Times New Roman"
TEXT_SIZE = Pt(13)
TABLE_SIZE = Pt(12)

# A4 landscape in the twips Word itself writes for A4; margins as Decree 30/2020/NĐ-CP allows for a
# landscape appendix.
PAGE_WIDTH, PAGE_HEIGHT = Twips(16838), Twips(11906)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}

# Relative widths (millimetres on the 252 mm text width); STT narrow, task and result widest.
RESULTS_WIDTHS_MM = (12, 68, 30, 22, 68, 28, 24)
PLAN_WIDTHS_MM = (12, 100, 55, 30, 55)

RESULTS_HEADER = (
    "STT",
    "Nhiệm vụ trọng tâm",
    "Kết quả/ Sản phẩm",
    "Thời hạn",
    "Kết quả thực hiện",
    "Dự báo khả năng hoàn thành mục tiêu đã đề ra (tháng ...)",
    "Kiến nghị, đề xuất (Nếu có)",
)
RESULTS_SAMPLE = ("1.1", "Nội dung nhiệm vụ", "Kết quả/ Sản phẩm", "Thời hạn", "Kết quả thực hiện", "Dự báo", "")
PLAN_HEADER = ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn", "Đơn vị phối hợp")
PLAN_SAMPLE = ("1.1", "Nội dung nhiệm vụ", "Kết quả/ Sản phẩm", "Thời hạn", "Đơn vị phối hợp")
CENTRED_COLUMNS = (0, 3)  # STT and Thời hạn

# (style id, name shown in Word, bold, italic, alignment, size, space after in points)
PARAGRAPH_STYLES = (
    ("AppendixDateline", "Phụ lục: địa danh, ngày tháng", False, True, WD_ALIGN_PARAGRAPH.RIGHT, TEXT_SIZE, 6),
    ("AppendixHeading", "Phụ lục: số phụ lục", True, False, WD_ALIGN_PARAGRAPH.CENTER, TEXT_SIZE, 0),
    ("AppendixTitle", "Phụ lục: tên phụ lục", True, False, WD_ALIGN_PARAGRAPH.CENTER, TEXT_SIZE, 0),
    ("AppendixAttachment", "Phụ lục: kèm theo báo cáo", False, True, WD_ALIGN_PARAGRAPH.CENTER, TEXT_SIZE, 12),
    ("AppendixTableHeader", "Bảng phụ lục: tiêu đề cột", True, False, WD_ALIGN_PARAGRAPH.CENTER, TABLE_SIZE, 2),
    ("AppendixUnitRow", "Bảng phụ lục: dòng đơn vị", True, False, WD_ALIGN_PARAGRAPH.LEFT, TABLE_SIZE, 2),
    ("AppendixTaskRow", "Bảng phụ lục: dòng nhiệm vụ", False, False, WD_ALIGN_PARAGRAPH.JUSTIFY, TABLE_SIZE, 2),
    ("AppendixNoTasks", "Bảng phụ lục: không có nhiệm vụ", False, True, WD_ALIGN_PARAGRAPH.CENTER, TABLE_SIZE, 2),
)

NOTE = (
    "Ghi chú cho người sửa mẫu (đoạn này không có trong tệp phụ lục): có thể sửa phông chữ, cỡ chữ, lề, "
    "độ rộng cột, kiểu bảng và định dạng của các dòng mẫu trong hai bảng trên (bảng 7 cột cho Phụ lục 1, "
    "bảng 5 cột cho Phụ lục 5). Giữ nguyên các chỗ trong ngoặc {{...}}, giữ bốn dòng của mỗi bảng theo thứ "
    "tự: dòng tiêu đề, dòng đơn vị mẫu, dòng nhiệm vụ mẫu, dòng «không có nhiệm vụ»; không thêm, bớt cột."
)


def build_template(target: Path) -> None:
    """Writes a fresh appendix template to `target` (overwriting it). Raises OSError if it cannot write."""
    document = Document()
    _set_defaults(document)
    _add_styles(document)
    _set_page(document)
    _add_page_number(document)
    _clear_body(document)
    for style_id, text in (
        ("AppendixDateline", "{{dateline}}"),
        ("AppendixHeading", "{{heading}}"),
        ("AppendixTitle", "{{title}}"),
        ("AppendixAttachment", "{{attachment}}"),
    ):
        document.add_paragraph(text, style=_style_name(style_id))
    _add_table(document, RESULTS_HEADER, RESULTS_SAMPLE, RESULTS_WIDTHS_MM)
    document.add_paragraph("")  # two adjacent tables would merge into one
    _add_table(document, PLAN_HEADER, PLAN_SAMPLE, PLAN_WIDTHS_MM)
    document.add_paragraph(NOTE)
    _set_properties(document)
    _drop_stock_parts(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))


def _style_name(style_id: str) -> str:
    return next(name for sid, name, *_ in PARAGRAPH_STYLES if sid == style_id)


def _set_defaults(document: DocumentObject) -> None:
    # The stock template names theme fonts in docDefaults, which Word prefers over a style's plain font name;
    # spelling them out here makes Times New Roman the font everywhere, Vietnamese the proofing language.
    styles = document.styles.element
    rpr = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts"))
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(int(TEXT_SIZE.pt * 2)))
    rpr.find(qn("w:lang")).set(qn("w:val"), "vi-VN")
    spacing = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = TEXT_SIZE


def _add_styles(document: DocumentObject) -> None:
    for style_id, name, bold, italic, alignment, size, after in PARAGRAPH_STYLES:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = document.styles["Normal"]
        style.quick_style = True
        style.font.name = FONT
        style.font.size = size
        style.font.bold = bold
        style.font.italic = italic
        style.paragraph_format.alignment = alignment
        style.paragraph_format.space_before = Pt(2) if style_id.startswith("AppendixTable") else Pt(0)
        style.paragraph_format.space_after = Pt(after)
        if style_id in ("AppendixHeading", "AppendixTitle", "AppendixDateline"):
            style.paragraph_format.keep_with_next = True
    for style_id in ("AppendixUnitRow", "AppendixTaskRow", "AppendixNoTasks"):
        document.styles[_style_name(style_id)].paragraph_format.space_before = Pt(2)


def _set_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = _mm_twips(MARGINS_MM["top"])
    section.bottom_margin = _mm_twips(MARGINS_MM["bottom"])
    section.left_margin = _mm_twips(MARGINS_MM["left"])
    section.right_margin = _mm_twips(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    # Decree 30: each appendix numbers its own pages from 1, and the first page shows no number.
    section.different_first_page_header_footer = True
    page_numbers = OxmlElement("w:pgNumType")
    page_numbers.set(qn("w:start"), "1")
    section._sectPr.insert_element_before(page_numbers, "w:cols", "w:formProt", "w:vAlign", "w:titlePg")


def _mm_twips(millimetres: float) -> Twips:
    return Twips(round(millimetres * 1440 / 25.4))


def _add_page_number(document: DocumentObject) -> None:
    section = document.sections[0]
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "2"), ("end", None)):
        run = paragraph.add_run()
        run.font.name = FONT
        run.font.size = TEXT_SIZE
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        elif kind == "text":
            run.text = text
        else:
            field_char = OxmlElement("w:fldChar")
            field_char.set(qn("w:fldCharType"), kind)
            run._r.append(field_char)


def _clear_body(document: DocumentObject) -> None:
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _text_width_twips(document: DocumentObject) -> int:
    section = document.sections[0]
    return int((section.page_width - section.left_margin - section.right_margin) / 635)


def _column_twips(document: DocumentObject, widths_mm: tuple[int, ...]) -> list[int]:
    total = _text_width_twips(document)
    widths = [total * width // sum(widths_mm) for width in widths_mm]
    widths[1] += total - sum(widths)  # rounding goes to the widest-but-one column, so the sum is exact
    return widths


def _add_table(document: DocumentObject, header: tuple[str, ...], sample: tuple[str, ...], widths_mm) -> Table:
    table = document.add_table(rows=4, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    twips = _column_twips(document, widths_mm)
    _set_table_width(table, sum(twips))
    for grid_column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), twips, strict=True):
        grid_column.set(qn("w:w"), str(width))
    for row in table.rows:
        for cell, width in zip(row.cells, twips, strict=True):
            cell.width = Twips(width)
    header_row, unit_row, task_row, empty_row = table.rows
    _fill_row(header_row.cells, header, "AppendixTableHeader", document)
    _fill_row(unit_row.cells, ("1", "Tên phòng, đơn vị (số nhiệm vụ)"), "AppendixUnitRow", document)
    _fill_row(task_row.cells, sample, "AppendixTaskRow", document)
    for cell in header_row.cells:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    merged = empty_row.cells[0].merge(empty_row.cells[-1])
    for extra in merged.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    _fill_paragraph(merged.paragraphs[0], "Không có nhiệm vụ nào trong tháng ...", "AppendixNoTasks", document)
    for index, row in enumerate(table.rows):
        _set_row_flags(row._tr, header=index == 0)
    return table


def _set_table_width(table: Table, twips: int) -> None:
    width = table._tbl.tblPr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        table._tbl.tblPr.insert_element_before(width, "w:jc", "w:tblInd", "w:tblBorders", "w:tblLayout")
    width.set(qn("w:w"), str(twips))
    width.set(qn("w:type"), "dxa")


def _fill_row(cells, texts: tuple[str, ...], style_id: str, document: DocumentObject) -> None:
    padded = list(texts) + [""] * (len(cells) - len(texts))
    for index, (cell, text) in enumerate(zip(cells, padded, strict=True)):
        paragraph = _fill_paragraph(cell.paragraphs[0], text, style_id, document)
        if index in CENTRED_COLUMNS and style_id != "AppendixTableHeader":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _fill_paragraph(paragraph: Paragraph, text: str, style_id: str, document: DocumentObject) -> Paragraph:
    paragraph.style = document.styles[_style_name(style_id)]
    if text:
        paragraph.add_run(text)
    return paragraph


def _set_row_flags(tr, *, header: bool) -> None:
    properties = tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _set_properties(document: DocumentObject) -> None:
    properties = document.core_properties
    properties.title = "Mẫu phụ lục báo cáo tháng (Phụ lục 1, Phụ lục 5)"
    properties.author = ""
    properties.comments = ""
    properties.last_modified_by = ""
    # A fixed date keeps the rebuilt template free of the build machine's clock.
    properties.created = properties.modified = datetime(2026, 1, 1, tzinfo=UTC)


def _drop_stock_parts(document: DocumentObject) -> None:
    # The stock template carries a second copy of its styles for Word 2010 (which could show those instead of
    # ours), an empty custom XML item and a thumbnail of a blank page; none belongs in this template.
    unwanted = ("/stylesWithEffects", "/customXml", "/thumbnail")
    for rels in (document.part.rels, document.part.package.rels):
        for rel_id in [rel_id for rel_id, rel in rels.items() if rel.reltype.endswith(unwanted)]:
            rels.pop(rel_id)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: writes the template to the path given, or over the shipped one."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else TEMPLATE_PATH
    build_template(target)
    print(f"Đã ghi mẫu phụ lục: {target}")


if __name__ == "__main__":
    main()
