"""The task list as the console shows it, as an Excel workbook office staff can sort and print."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tracker.dates import format_day
from tracker.enums import STATUS_LABELS
from tracker.models import Task
from tracker.status import STATUS_CLASS_LABELS, TaskFacts, classify

HEADERS = ("Số", "Nhiệm vụ", "Kết quả/Sản phẩm", "Đơn vị chủ trì", "Lãnh đạo chỉ đạo", "Thời hạn",
           "Hạn (ngày)", "Tình trạng", "Tình trạng theo báo cáo")
WIDTHS = (6, 60, 30, 28, 24, 24, 12, 18, 26)


def tasks_workbook(tasks: list[Task], *, day: date, units: dict[int, str], people: dict[int, str],
                   title: str) -> Workbook:
    """One sheet: a title row, the headers, then one row per task (dates as dd/mm/yyyy text)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Nhiệm vụ"
    sheet.append([f"{title} — danh sách nhiệm vụ ngày {format_day(day)}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for task in tasks:
        found = classify(TaskFacts.of(task), day)
        sheet.append([task.id, task.title, task.expected_output, units.get(task.owner_unit_id, ""),
                      people.get(task.supervising_leader_id or 0, ""), task.deadline_text,
                      format_day(task.due_on) if task.due_on else "", STATUS_LABELS[task.status],
                      STATUS_CLASS_LABELS[found] if found else ""])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    return book
