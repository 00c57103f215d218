"""The task tables of an Excel (.xlsx) workbook as text: for every visible sheet, its title on a line,
then its non-empty rows as tab-separated lines, all as wide as the sheet's widest row. Merged cells keep
their value in the first cell only (openpyxl's read-only mode reads the cells as stored, where the
others are empty). Values are as last calculated by Excel (data_only): dates as dd/mm/yyyy, whole numbers
without ".0". Hidden sheets (usually the lists behind drop-downs) are left out; sheets are separated by a
blank line.
"""

from __future__ import annotations

import io
import warnings
from datetime import date, datetime, time

import openpyxl


class TooManyCells(Exception):
    """The workbook has more cells than max_cells."""


def xlsx_text(data: bytes, *, max_cells: int) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every Excel feature it skips
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets: list[str] = []
        cells = 0
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible" or not hasattr(sheet, "iter_rows"):
                continue
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # trust the cells, not the size the file declares
            rows: list[list[str]] = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for values in sheet.iter_rows(values_only=True):
                    cells += len(values)
                    if cells > max_cells:
                        raise TooManyCells()
                    row = [_cell_text(value) for value in values]
                    if any(row):
                        rows.append(row)
            if rows:
                width = max(max(i for i, cell in enumerate(row) if cell) + 1 for row in rows)
                lines = ["\t".join(row[:width] + [""] * (width - len(row))) for row in rows]
                sheets.append(" ".join(str(sheet.title).split()) + "\n" + "\n".join(lines))
        return "\n\n".join(sheets)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y" if value.time() == time(0) else "%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.10g}"
    return " ".join(str(value).split())
