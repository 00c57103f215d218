"""The monthly appendices (Phụ lục 1 and 5) as an Excel workbook for the office staff who prefer a spreadsheet:
one sheet per appendix laid out like the Word file (title block, header row, a bold row per unit followed by its
tasks), ready to filter, to scroll with the header in view and to print on landscape A4."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.reports.model import Appendix, AppendixKind

EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) a cell may hold
SHEET_NAME_LIMIT = 31
CUT_MARK = "…"
FONT_NAME = "Times New Roman"

# Rows of a sheet: the title block, a blank row, then the table.
HEADING_ROW, TITLE_ROW, ATTACHMENT_ROW = 1, 2, 3
HEADER_ROW = 5
FIRST_BODY_ROW = HEADER_ROW + 1

# Column widths in Excel's character units; the task and result columns carry the long text.
_WIDTHS: dict[AppendixKind, tuple[float, ...]] = {
    AppendixKind.RESULTS: (7, 45, 20, 13, 50, 16, 16),
    AppendixKind.PLAN: (7, 55, 25, 14, 35),
}
_DEFAULT_WIDTH = 16.0
_CENTRED_COLUMNS = frozenset({0, 3})  # STT and Thời hạn, as in the Word table
# The sizes of the Word template (tracker/reports/make_template.py): 13-point title block, 12-point table.
_TITLE_POINTS = 13
_BODY_POINTS = 12

# Characters XML 1.0 does not allow (C0 controls other than tab and line ends, lone surrogates, U+FFFE/FFFF).
# openpyxl's own ILLEGAL_CHARACTERS_RE misses the last two groups, which would still make an unreadable file.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def write_xlsx(appendices: Sequence[Appendix], target: Path | BinaryIO) -> None:
    """Write `appendices` as one .xlsx workbook to `target` (a path, or a binary file open for writing):
    one sheet per appendix, in the given order, named "Phụ lục <label>" (made unique and valid for Excel).

    Every cell holds text, never a formula or a number ("1.10" stays "1.10"); text is NFC, without the
    control characters XML forbids, with its line breaks, and cut with a visible "…" when it exceeds Excel's
    32,767-character cell limit. An appendix without units gets its title block, header row and
    `no_tasks_line`. Raises ValueError when `appendices` is empty; the workbook is built completely
    before anything is written to `target`, so only an error of `target` itself can leave a partial file."""
    if not appendices:
        raise ValueError("Không có phụ lục nào để ghi ra tệp Excel.")
    workbook = Workbook()
    styles = _Styles(workbook)
    workbook.remove(workbook.worksheets[0])  # the blank sheet every new workbook starts with
    for appendix, name in zip(appendices, sheet_names(appendices), strict=True):
        _fill_sheet(workbook.create_sheet(name), appendix, styles)
    first = appendices[0]
    workbook.properties.title = clean_text(f"Phụ lục báo cáo tháng {first.month}/{first.year}")
    workbook.properties.creator = clean_text(first.ward_name)
    workbook.save(target)


def sheet_names(appendices: Sequence[Appendix]) -> list[str]:
    """The sheet name of each appendix: "Phụ lục <label>", without the characters Excel forbids
    (\\ / * ? : [ ]), at most 31 characters, and unique the way Excel compares them (ignoring case):
    a repeated name gets " (2)", " (3)" ..."""
    names: list[str] = []
    taken: set[str] = set()
    for appendix in appendices:
        base = _sheet_base(f"Phụ lục {appendix.label}")
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name, n = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix, n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def clean_text(text: str) -> str:
    """A cell's text as Excel can store it: without the characters XML forbids, NFC, line ends as "\\n", and
    at most 32,767 UTF-16 code units, ending in "…" when it had to be cut."""
    text = unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= EXCEL_CELL_LIMIT // 2:  # cannot exceed the limit even if every character took two units
        return text
    encoded = text.encode("utf-16-le")
    if len(encoded) // 2 <= EXCEL_CELL_LIMIT:
        return text
    # Cutting the bytes may split a surrogate pair; "ignore" drops the orphaned half.
    kept = encoded[: 2 * (EXCEL_CELL_LIMIT - len(CUT_MARK))].decode("utf-16-le", errors="ignore")
    return kept + CUT_MARK


# --- one sheet ------------------------------------------------------------------------------------


def _fill_sheet(sheet: Worksheet, appendix: Appendix, styles: _Styles) -> None:
    columns = appendix.columns
    width = len(columns)
    widths = _column_widths(appendix.kind, width)
    for index, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    _title_block(sheet, appendix, styles, sum(widths))
    for index, header in enumerate(columns, start=1):
        _put(sheet, HEADER_ROW, index, header, styles.header)
    last_row = _body(sheet, appendix, styles, width)
    last_column = get_column_letter(width)
    sheet.freeze_panes = f"A{FIRST_BODY_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(last_row, HEADER_ROW)}"
    _page_setup(sheet)


def _title_block(sheet: Worksheet, appendix: Appendix, styles: _Styles, total_width: float) -> None:
    width = len(appendix.columns)
    lines = (
        (HEADING_ROW, appendix.heading, styles.title),
        (TITLE_ROW, appendix.title, styles.title),
        (ATTACHMENT_ROW, appendix.attachment_line, styles.attachment),
    )
    for row, text, style in lines:
        cell = _put(sheet, row, 1, text, style)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        # Excel never fits the height of a merged row to its text, so the height is estimated here.
        sheet.row_dimensions[row].height = _merged_height(str(cell.value or ""), total_width)


def _body(sheet: Worksheet, appendix: Appendix, styles: _Styles, width: int) -> int:
    """Writes the unit and task rows (or the no-tasks line); returns the last row written."""
    row = HEADER_ROW
    if not appendix.units:
        row += 1
        for column in range(1, width + 1):
            _put(sheet, row, column, appendix.no_tasks_line if column == 1 else "", styles.no_tasks)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        return row
    for unit in appendix.units:
        row += 1
        unit_cells = (str(unit.number), unit.heading)
        for column in range(1, width + 1):
            text = unit_cells[column - 1] if column <= len(unit_cells) else ""
            _put(sheet, row, column, text, styles.unit_centred if column == 1 else styles.unit)
        for task in unit.rows:
            row += 1
            for column, text in enumerate(task.cells(appendix.kind)[:width], start=1):
                centred = (column - 1) in _CENTRED_COLUMNS
                _put(sheet, row, column, text, styles.body_centred if centred else styles.body)
    return row


def _put(sheet: Worksheet, row: int, column: int, text: str, style: str) -> Cell:
    cell = sheet.cell(row=row, column=column)
    cell.style = style
    value = clean_text(text)
    if not value:
        return cell
    cell.value = value
    if cell.data_type != "s":
        # openpyxl takes "=..." for a formula and "#N/A" for an error; the appendix holds text only. The
        # quote prefix keeps it text when someone edits the cell in Excel.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _page_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "Trang &P/&N"


def _column_widths(kind: AppendixKind, count: int) -> tuple[float, ...]:
    known = _WIDTHS.get(kind, ())
    return tuple(float(known[i]) if i < len(known) else _DEFAULT_WIDTH for i in range(count))


def _merged_height(text: str, total_width: float) -> float:
    # A width unit holds about one letter of the body; bold 13-point letters are wider, hence 0.75.
    per_line = max(total_width * 0.75, 1.0)
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return 18.0 * lines


def _sheet_base(name: str) -> str:
    cleaned = _SHEET_FORBIDDEN.sub("-", clean_text(name))
    cleaned = " ".join(cleaned.split()).strip("'")  # Excel refuses a name that starts or ends with "'"
    return cleaned[:SHEET_NAME_LIMIT].rstrip() or "Phụ lục"


# --- styles -----------------------------------------------------------------------------------------


class _Styles:
    """The workbook's named styles, called as in the Word template: assigning a registered name to a cell is one
    copy, where setting font, border and alignment one by one would look each up again for every cell; and a
    clerk can restyle every task row at once from Excel's cell-style gallery."""

    def __init__(self, workbook: Workbook) -> None:
        thin = Side(style="thin")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        body, bold = Font(name=FONT_NAME, size=_BODY_POINTS), Font(name=FONT_NAME, size=_BODY_POINTS, bold=True)
        left = Alignment(horizontal="left", vertical="top", wrap_text=True)
        centre_top = Alignment(horizontal="center", vertical="top", wrap_text=True)
        centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.title = _named(workbook, "Phụ lục: tên phụ lục", Font(name=FONT_NAME, size=_TITLE_POINTS, bold=True),
                            centre, Border())
        self.attachment = _named(workbook, "Phụ lục: kèm theo báo cáo",
                                 Font(name=FONT_NAME, size=_TITLE_POINTS, italic=True), centre, Border())
        self.header = _named(workbook, "Bảng phụ lục: tiêu đề cột", bold, centre, box)
        self.unit = _named(workbook, "Bảng phụ lục: dòng đơn vị", bold, left, box)
        self.unit_centred = _named(workbook, "Bảng phụ lục: số đơn vị", bold, centre_top, box, text_format=True)
        self.body = _named(workbook, "Bảng phụ lục: dòng nhiệm vụ", body, left, box)
        self.body_centred = _named(workbook, "Bảng phụ lục: STT, thời hạn", body, centre_top, box, text_format=True)
        self.no_tasks = _named(workbook, "Bảng phụ lục: không có nhiệm vụ",
                               Font(name=FONT_NAME, size=_BODY_POINTS, italic=True), centre_top, box)


def _named(workbook: Workbook, name: str, font: Font, alignment: Alignment, border: Border,
           *, text_format: bool = False) -> str:
    style = NamedStyle(name=name, font=font, alignment=alignment, border=border)
    if text_format:
        style.number_format = "@"  # a number typed over "1.10" in Excel stays text too
    workbook.add_named_style(style)
    return name
