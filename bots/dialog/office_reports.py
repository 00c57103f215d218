"""/thieu and /phuluc: which units have not reported this month, and the month's Phụ lục 1 as a Word file."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from bots.dialog.registry import Command, Registry
from bots.dialog.turn import Turn
from bots.dialog.ward_views import WARD_PEOPLE, ward_only
from bots.messages import OutboundFile, Reply
from tracker.messages import render
from tracker.reports.selection import parse_month
from tracker.reports.word import write_docx
from tracker.usecases.overview import missing_by_unit
from tracker.usecases.reports import month_figures, month_results

MISSING_PER_UNIT = 3


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_words(key: str) -> str:
    return f"{int(key[5:])}/{key[:4]}"


def missing(turn: Turn, args: str) -> list[Reply]:
    """/thieu: the units whose tasks of this month's Phụ lục 1 have no result for the month yet, with counts
    and the first few tasks of each."""
    if refused := ward_only(turn):
        return refused
    key = _month_key(turn.today)
    units = missing_by_unit(turn.session, actor=turn.person, month=key)
    return [Reply(render("chat/missing_results", month=_month_words(key), units=units,
                         total=sum(len(u.tasks) for u in units), per_unit=MISSING_PER_UNIT))]


def appendix(turn: Turn, args: str) -> list[Reply]:
    """/phuluc [tháng/năm]: Phụ lục 1 of the month (default: this month) as a .docx, its figures in the
    caption; on a channel without files, the figures and where to get the file."""
    if refused := ward_only(turn):
        return refused
    key = parse_month(args.strip()) if args.strip() else _month_key(turn.today)
    figures = month_figures(turn.session, actor=turn.person, month=key)
    words = _month_words(key)
    if not turn.caps.files:
        return [Reply(f"Phụ lục 1 tháng {words}: {figures.sentence}\n"
                      f"Tệp Word: lệnh «tracker report appendix --month {key} --out phu-luc-1.docx» trên máy chủ, "
                      "hoặc gửi /phuluc trên Telegram.")]
    buffer = BytesIO()
    write_docx([month_results(turn.session, actor=turn.person, month=key)], buffer)
    document = OutboundFile(name=f"phu-luc-1-thang-{key}.docx", content=buffer.getvalue())
    return [Reply(f"Phụ lục 1 tháng {words}: {figures.sentence}", file=document)]


def register(registry: Registry) -> None:
    """Add /thieu and /phuluc."""
    registry.add_command(Command("thieu", missing, "đơn vị chưa báo cáo kết quả tháng này", WARD_PEOPLE))
    registry.add_command(Command("phuluc", appendix, "Phụ lục 1 của tháng (tệp Word)", WARD_PEOPLE, "[tháng/năm]"))
