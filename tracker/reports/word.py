"""The monthly appendices (Phụ lục 1 and 5) as one Word file, filled into a .docx template.

Every look comes from the template (templates/appendix.docx, rebuilt by make_template.py, restyled in Word by
office staff as they like): page setup, header with page numbers, fonts, the table style and the look of the
header, unit and task rows. This module only copies the template's parts and puts the text in: the sample rows
are cloned (their XML deep-copied) once per unit and task, so a thousand tasks take a fraction of a second.
"""

from __future__ import annotations

import gc
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from tracker.errors import InvalidInputError
from tracker.reports.model import Appendix, AppendixKind

DEFAULT_TEMPLATE = Path(__file__).with_name("templates") / "appendix.docx"

PLACEHOLDERS = ("heading", "title", "attachment", "dateline", "ward", "month", "year")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_TEMPLATE_ROWS = ("dòng tiêu đề", "dòng đơn vị mẫu", "dòng nhiệm vụ mẫu", "dòng «không có nhiệm vụ»")

# Breaks that people type or paste (Word's soft break arrives as \v, a page break as \f) become line breaks;
# the remaining C0 controls, lone surrogates and U+FFFE/FFFF cannot be stored in XML 1.0 at all.
_LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Element = etree._Element


@dataclass(frozen=True)
class _TableTemplate:
    """One table of the template, split into its empty shell and its four sample rows."""

    shell: Element  # w:tbl with its properties and grid, without rows
    header: Element
    unit: Element
    task: Element
    empty: Element
    column_count: int


@dataclass(frozen=True)
class _Template:
    title_block: tuple[Element, ...]
    tables: tuple[_TableTemplate, ...]
    section: Element  # the body's w:sectPr: page setup, headers and footers of every appendix

    def table_for(self, appendix: Appendix) -> _TableTemplate:
        count = len(appendix.columns)
        for table in self.tables:
            if table.column_count == count:
                return table
        raise InvalidInputError(
            f"Tệp mẫu phụ lục không có bảng {count} cột cho {appendix.heading.capitalize()}: "
            "cần một bảng 7 cột (Phụ lục 1) và một bảng 5 cột (Phụ lục 5)."
        )


def write_docx(appendices: Sequence[Appendix], target: Path | BinaryIO, *, template: Path | None = None) -> None:
    """Writes `appendices` into one .docx at `target` (a path or a binary file object), in the given order.

    Each appendix starts a new section, hence a new page, with its page numbers starting at 1 (Decree 30 numbers
    an appendix's pages on their own). It has the template's title block, then a table with the header row,
    one unit row ("1 | Phòng ... (22 nhiệm vụ)") and the unit's task rows per unit; an appendix without units
    gets the row `appendix.no_tasks_line` instead. Every text is written whole and in Unicode NFC; line breaks
    in a cell's text become separate paragraphs of the cell. Nothing is written to `target` before the whole
    document is built.

    Raises InvalidInputError (Vietnamese message) if `appendices` is empty, if `template` (default: the
    project's templates/appendix.docx) is missing, is not a .docx, or lacks the parts described in
    make_template.py.
    """
    if not appendices:
        raise InvalidInputError("Không có phụ lục nào để ghi ra tệp Word.")
    document = _open_template(template or DEFAULT_TEMPLATE)
    parts = _take_template(document)
    for index, appendix in enumerate(appendices):
        table = parts.table_for(appendix)
        if index:
            parts.section.addprevious(_closing_paragraph(parts.section))
        for element in (*_title_block(parts, appendix), _table(table, appendix)):
            parts.section.addprevious(element)
    parts.section.addprevious(_closing_paragraph(None))
    document.core_properties.title = "; ".join(_clean(f"{a.heading} {a.title}") for a in appendices)
    try:
        document.save(str(target) if isinstance(target, Path) else target)
    finally:
        # python-docx's package and parts point at each other, so the document's lxml tree (tens of MB for a
        # thousand rows) goes only with the cycle collector, which lxml's own allocations never trigger: a
        # service making appendices all day would keep every one of them.
        del document, parts
        gc.collect()


def _open_template(path: Path) -> DocumentObject:
    if not path.is_file():
        raise InvalidInputError(f"Không tìm thấy tệp mẫu phụ lục «{path}».")
    if path.suffix.lower() != ".docx":
        raise InvalidInputError(f"Tệp mẫu phụ lục «{path.name}» không phải tệp Word .docx.")
    try:
        return Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise InvalidInputError(f"Tệp mẫu phụ lục «{path.name}» hỏng hoặc không phải tệp Word .docx.") from error


def _take_template(document: DocumentObject) -> _Template:
    """Splits the template's body into its parts and empties the body (its w:sectPr stays)."""
    body = document.element.body
    section = body.find(qn("w:sectPr"))
    if section is None:
        raise InvalidInputError("Tệp mẫu phụ lục không có phần thiết lập trang (khổ giấy, lề).")
    children = [child for child in body if child is not section]
    first_table = next((i for i, child in enumerate(children) if child.tag == qn("w:tbl")), len(children))
    title_block = tuple(children[:first_table])
    _check_placeholders(title_block)
    tables = tuple(_split_table(child) for child in children if child.tag == qn("w:tbl"))
    if not tables:
        raise InvalidInputError("Tệp mẫu phụ lục không có bảng nào.")
    for child in children:
        body.remove(child)
    return _Template(title_block, tables, section)


def _check_placeholders(elements: Sequence[Element]) -> None:
    for element in elements:
        for paragraph in element.iter(qn("w:p")):
            for name in _PLACEHOLDER.findall(_paragraph_text(paragraph)):
                if name not in PLACEHOLDERS:
                    known = ", ".join(f"{{{{{known}}}}}" for known in PLACEHOLDERS)
                    raise InvalidInputError(
                        f"Tệp mẫu phụ lục có chỗ điền không hiểu: «{{{{{name}}}}}». Các chỗ điền dùng được: {known}."
                    )


def _split_table(tbl: Element) -> _TableTemplate:
    grid = tbl.find(qn("w:tblGrid"))
    column_count = 0 if grid is None else len(grid.findall(qn("w:gridCol")))
    rows = tbl.findall(qn("w:tr"))
    if len(rows) != len(_TEMPLATE_ROWS):
        raise InvalidInputError(
            f"Bảng {column_count} cột của tệp mẫu phụ lục phải có đúng {len(_TEMPLATE_ROWS)} dòng theo thứ tự: "
            f"{', '.join(_TEMPLATE_ROWS)}; hiện có {len(rows)} dòng."
        )
    header, unit, task, empty = rows
    for row, name, needed in ((header, _TEMPLATE_ROWS[0], column_count), (task, _TEMPLATE_ROWS[2], column_count)):
        if len(_cells(row)) != needed:
            raise InvalidInputError(
                f"Bảng {column_count} cột của tệp mẫu phụ lục: {name} phải có đủ {needed} ô, không gộp ô."
            )
    if len(_cells(unit)) < 2:
        raise InvalidInputError(
            f"Bảng {column_count} cột của tệp mẫu phụ lục: {_TEMPLATE_ROWS[1]} phải có ít nhất 2 ô (số thứ tự, tên)."
        )
    shell = deepcopy(tbl)
    for row in shell.findall(qn("w:tr")):
        shell.remove(row)
    return _TableTemplate(shell, header, unit, task, empty, column_count)


def _title_block(parts: _Template, appendix: Appendix) -> list[Element]:
    values = _placeholder_values(appendix)
    block: list[Element] = []
    for element in parts.title_block:
        copy = deepcopy(element)
        if copy.tag == qn("w:p"):
            text = _paragraph_text(copy)
            if _PLACEHOLDER.search(text):
                filled = _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
                if not filled.strip():
                    continue  # e.g. the dateline of an appendix without a place
                _set_paragraph_text(copy, filled)
        block.append(copy)
    return block


def _placeholder_values(appendix: Appendix) -> dict[str, str]:
    return {
        "heading": appendix.heading,
        "title": appendix.title,
        "attachment": appendix.attachment_line,
        "dateline": _dateline(appendix),
        "ward": appendix.ward_name,
        "month": str(appendix.month),
        "year": str(appendix.year),
    }


def _dateline(appendix: Appendix) -> str:
    """"Phù Liễn, ngày 27 tháng 5 năm 2026", blanks for the clerk's pen when the date is unknown, "" without a
    place. Decree 30 writes a day below 10 and the months 1 and 2 with a leading zero."""
    if not appendix.place:
        return ""
    day = appendix.report_date
    if day is None:
        return f"{appendix.place}, ngày      tháng      năm {_report_year(appendix)}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{appendix.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _report_year(appendix: Appendix) -> int:
    # A month's results are reported in that month; its plan is written in the month before.
    if appendix.kind is AppendixKind.PLAN and appendix.month == 1:
        return appendix.year - 1
    return appendix.year


def _table(template: _TableTemplate, appendix: Appendix) -> Element:
    tbl = deepcopy(template.shell)
    tbl.append(_row(template.header, appendix.columns))
    if not appendix.units:
        tbl.append(_row(template.empty, (appendix.no_tasks_line,)))
    for unit in appendix.units:
        tbl.append(_row(template.unit, (str(unit.number), unit.heading)))
        for task in unit.rows:
            tbl.append(_row(template.task, task.cells(appendix.kind)))
    return tbl


def _row(prototype: Element, texts: Sequence[str]) -> Element:
    """A copy of `prototype` with `texts` in its cells, left to right; the cells beyond `texts` are emptied."""
    row = deepcopy(prototype)
    cells = _cells(row)
    if len(texts) > len(cells):
        # Never drop a value silently: _split_table already checks the rows that take more than two texts.
        raise InvalidInputError(f"Dòng mẫu của tệp mẫu phụ lục chỉ có {len(cells)} ô, cần {len(texts)} ô.")
    for cell, text in zip(cells, (*texts, *[""] * (len(cells) - len(texts))), strict=True):
        _set_cell_text(cell, text)
    return row


def _cells(row: Element) -> list[Element]:
    return row.findall(qn("w:tc"))


def _set_cell_text(cell: Element, text: str) -> None:
    """Replaces the cell's paragraphs by one paragraph per line of `text`, each with the formatting of the
    cell's first paragraph and first run."""
    paragraphs = cell.findall(qn("w:p"))
    paragraph_properties = paragraphs[0].find(qn("w:pPr")) if paragraphs else None
    run_properties = _run_properties(paragraphs[0]) if paragraphs else None
    for paragraph in paragraphs:
        cell.remove(paragraph)
    for line in _clean(text).split("\n"):
        paragraph = etree.SubElement(cell, qn("w:p"))
        if paragraph_properties is not None:
            paragraph.append(deepcopy(paragraph_properties))
        _append_run(paragraph, line, run_properties)


def _set_paragraph_text(paragraph: Element, text: str) -> None:
    """Replaces the paragraph's content by `text` in the formatting of its first run; line breaks become w:br."""
    run_properties = _run_properties(paragraph)
    for child in list(paragraph):
        if child.tag != qn("w:pPr"):
            paragraph.remove(child)
    for index, line in enumerate(_clean(text).split("\n")):
        if index:
            etree.SubElement(etree.SubElement(paragraph, qn("w:r")), qn("w:br"))
        _append_run(paragraph, line, run_properties)


def _run_properties(paragraph: Element) -> Element | None:
    """The first run's w:rPr; failing that (staff who clear a sample cell in Word leave no run) the paragraph
    mark's, which Word uses for text typed into the empty paragraph."""
    found = paragraph.find(f"{qn('w:r')}/{qn('w:rPr')}")
    if found is None:
        found = paragraph.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
        if found is not None:
            found = deepcopy(found)
            for change in found.findall(qn("w:rPrChange")) + found.findall(qn("w:ins")) + found.findall(qn("w:del")):
                found.remove(change)
    return found


def _append_run(paragraph: Element, line: str, run_properties: Element | None) -> None:
    if not line:
        return
    run = etree.SubElement(paragraph, qn("w:r"))
    if run_properties is not None:
        run.append(deepcopy(run_properties))
    for index, piece in enumerate(line.split("\t")):
        if index:
            etree.SubElement(run, qn("w:tab"))
        if piece:
            text = etree.SubElement(run, qn("w:t"))
            text.set(qn("xml:space"), "preserve")
            text.text = piece


def _paragraph_text(paragraph: Element) -> str:
    return "".join(text.text or "" for text in paragraph.iter(qn("w:t")))


def _closing_paragraph(section: Element | None) -> Element:
    """The paragraph after a table: it ends the appendix's section when `section` is given. It is made one point
    high, so that a table filling its last page to the bottom does not push it onto a blank page of its own."""
    paragraph = OxmlElement("w:p")
    properties = etree.SubElement(paragraph, qn("w:pPr"))
    spacing = etree.SubElement(properties, qn("w:spacing"))
    for name, value in (("w:before", "0"), ("w:after", "0"), ("w:line", "20"), ("w:lineRule", "exact")):
        spacing.set(qn(name), value)
    mark = etree.SubElement(properties, qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        etree.SubElement(mark, qn(tag)).set(qn("w:val"), "2")
    if section is not None:
        properties.append(deepcopy(section))
    return paragraph


def _clean(text: str) -> str:
    """NFC, one kind of line break, nothing that XML cannot hold."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    return _NOT_XML.sub("", text)
