"""From a document's text to what it asks of whom: the document kind decides the parser."""

from __future__ import annotations

import calendar as month_calendar
import re
from datetime import date

from tracker.importer.directive import NO_ASSIGNMENT, parse_directive
from tracker.importer.directory import UnitDirectory
from tracker.importer.header import first_date_near, read_header
from tracker.importer.model import ParsedDocument
from tracker.importer.notice import parse_notice_tasks
from tracker.importer.tables import parse_task_tables
from tracker.workdays import WorkCalendar

_NOTICE_SECTION = re.compile(r"^\s*\d+\.\d+\.?\s+\S", re.MULTILINE)


def parse_document(text: str, *, units: UnitDirectory, today: date, default_due: str = "end_of_meeting_month",
                   calendar: WorkCalendar | None = None) -> ParsedDocument:
    """Parse a cleaned document text; `calendar` (the ward's working days; national holidays when None)
    counts deadlines such as "trong 10 ngày làm việc". Never raises: what it cannot read becomes a
    warning, and a document with no tasks has kind "other"."""
    header = read_header(text)
    if _looks_like_notice(text, header.kind_word, header.title):
        notice = _notice(text, header, units, today, default_due)
        if notice.tasks:
            return notice
    table = parse_task_tables(text, units=units, on=header.issued or today)
    if table.tasks:
        return ParsedDocument(
            kind="task_table", layout="table", number=table.number or header.number,
            issued=table.issued or header.issued,
            title=table.title or header.title, tasks=table.tasks, warnings=table.warnings,
            report_month=table.report_month,
        )
    directive = parse_directive(text, header=header, units=units, today=today, default_due=default_due,
                                calendar=calendar)
    if directive.tasks:
        return directive
    # The table reader's complaint matters only for a text that has table rows.
    warnings = table.warnings if "\t" in text and table.warnings else directive.warnings or [NO_ASSIGNMENT]
    return ParsedDocument(kind="other", number=header.number, issued=directive.issued, title=directive.title,
                          warnings=warnings)


def give_default_due(tasks: list, base: date) -> None:  # type: ignore[type-arg]
    """Tasks without a deadline get the last day of `base`'s month as their default due date."""
    last = date(base.year, base.month, month_calendar.monthrange(base.year, base.month)[1])
    for task in tasks:
        if task.deadline.kind == "none":
            task.deadline.default = last


def _looks_like_notice(text: str, kind_word: str, title: str) -> bool:
    concluding = kind_word == "THÔNG BÁO" or "kết luận" in title.lower()
    return concluding and bool(_NOTICE_SECTION.search(text))


def _notice(text, header, units, today: date, default_due: str) -> ParsedDocument:  # type: ignore[no-untyped-def]
    meeting = first_date_near(text, ("họp", "hội nghị", "làm việc"))
    issued = header.issued
    if issued is None and meeting and header.issued_month == (meeting.year, meeting.month):
        issued = meeting  # the signer left the day blank; the notice follows the meeting
    on = issued or meeting or today
    tasks, warnings = parse_notice_tasks(text, units=units, on=on)
    if not header.number:
        warnings.insert(0, "Văn bản chưa ghi số (Số: .../TB-UBND): hãy kiểm tra đúng bản đã ban hành.")
    if header.issued is None:
        warnings.insert(0, "Văn bản chưa ghi đủ ngày ban hành; lấy ngày họp làm ngày văn bản.")
    if default_due == "end_of_meeting_month":
        give_default_due(tasks, meeting or on)
    return ParsedDocument(kind="conclusion_notice", layout="sections", number=header.number, issued=issued,
                          meeting=meeting, title=header.title, tasks=tasks, warnings=warnings)
