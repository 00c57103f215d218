"""A directive in prose, as a document: its date, title and tasks (tracker.importer.prose finds them)."""

from __future__ import annotations

import re
from datetime import date

from tracker.importer.dating import date_of_text
from tracker.importer.directory import UnitDirectory
from tracker.importer.glue import unglue
from tracker.importer.header import Header, first_date_near
from tracker.importer.model import ParsedDocument, ParsedTask
from tracker.importer.prose import Dating, parse_prose_tasks
from tracker.workdays import WorkCalendar

NO_ASSIGNMENT = ("Không tìm thấy nhiệm vụ nào: văn bản không có câu giao việc cho một đơn vị (giao, yêu cầu, "
                 "đề nghị … thực hiện); có thể là giấy mời, lịch, báo cáo hay tin tức.")
A_REPORT = ("Văn bản là báo cáo: phần lời không giao nhiệm vụ nên không tạo nhiệm vụ nào (nhập phụ lục bảng "
            "nhiệm vụ của báo cáo nếu có).")
NO_YEAR = "Văn bản không ghi năm: chưa xác định được năm của thời hạn; cần kiểm tra."
GUESSED_YEAR = "Văn bản không ghi ngày: năm của thời hạn lấy theo năm văn bản nhắc đến ({}); cần kiểm tra."
OUTSIDE = "Đơn vị chủ trì «{}» không có trong danh sách đơn vị của phường: hãy chọn đơn vị (owner=...)."
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def parse_directive(text: str, *, header: Header, units: UnitDirectory, today: date,
                    default_due: str = "end_of_meeting_month", calendar: WorkCalendar | None = None
                    ) -> ParsedDocument:
    """The directive's tasks (kind "conclusion_notice", layout "prose": the kind the dry-run JSON has always
    given a document that assigns tasks); deadlines are read against the document's date
    (its header, a posting line, an opening date), or `today` when the text gives none, in which case
    a deadline that names no year is kept as written with no due date and flagged. Never raises."""
    from tracker.importer.parse import give_default_due  # the same default the numbered notices get

    if header.kind_word == "BÁO CÁO":
        return ParsedDocument(kind="other", number=header.number, issued=header.issued, title=header.title,
                              warnings=[A_REPORT])
    dated = date_of_text(text, issued=header.issued)
    meeting = first_date_near(text, ("họp", "hội nghị", "làm việc"))
    tasks = parse_prose_tasks(unglue(text), units=units, dating=Dating(dated.on or today, calendar),
                              directive=_declares_directive(header))
    for task in tasks:
        _flag(task, year_known=dated.on is not None, guessed_year=dated.on.year if dated.guessed and dated.on else None)
    if dated.on is not None and default_due == "end_of_meeting_month":
        give_default_due(tasks, meeting or dated.on)
    warnings = []
    if outside := sum(1 for t in tasks if t.owner.unit is None):
        warnings.append(f"{outside} nhiệm vụ có đơn vị chủ trì ngoài danh sách của phường: hãy chọn đơn vị "
                        "(owner=...) hoặc bỏ (skip) trước khi lưu.")
    return ParsedDocument(kind="conclusion_notice", layout="prose", number=header.number, issued=dated.issued,
                          meeting=meeting, title=header.title or _headline(text), tasks=tasks, warnings=warnings)


def _declares_directive(header: Header) -> bool:
    """A notice or letter whose title says it concludes or directs: "Kết luận của Chủ tịch ...", "Ý kiến
    chỉ đạo ...", "V/v giao nhiệm vụ ..."."""
    title = header.title.lower()
    return header.kind_word in ("THÔNG BÁO", "CÔNG VĂN") and any(
        word in title for word in ("kết luận", "chỉ đạo", "giao nhiệm vụ", "triển khai"))


def _flag(task: ParsedTask, *, year_known: bool, guessed_year: int | None) -> None:
    if task.owner.unit is None and task.owner.text:
        task.review.append(OUTSIDE.format(task.owner.text))
    deadline = task.deadline
    if deadline.due is None or _YEAR.search(deadline.text):
        return
    if not year_known:
        deadline.due, deadline.milestones, deadline.starts = None, [], None
        deadline.review.append(NO_YEAR)
    elif guessed_year is not None:
        deadline.review.append(GUESSED_YEAR.format(guessed_year))


def _headline(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= 200 else first[:199] + "…"
