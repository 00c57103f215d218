"""The dialog's Vietnamese: fixed sentences, and tasks written for a phone screen."""

from __future__ import annotations

from datetime import date

from tracker.dates import format_day
from tracker.messages import LIST_LIMIT, short
from tracker.models import DeadlineKind, Person, Task, TaskStatus

NUMBERS_PER_ROW = 5

BIND_HELP = "Bot chưa biết anh/chị là ai. Gửi /start MÃ_MỜI mà Văn phòng đã gửi cho anh/chị (hoặc chỉ gửi mã mời)."
HELP_LINE = "Bot chưa hiểu tin nhắn này. Gửi /viec để xem nhiệm vụ, /trogiup để xem các lệnh."
ONLY_TEXT = "Bot chỉ đọc tin nhắn chữ. Gửi /trogiup để xem các lệnh."
NO_FILES = "Bot chưa nhận tệp gửi đến. Gửi /trogiup để xem các lệnh."
STALE_BUTTON = "Nút này thuộc một thao tác đã kết thúc. Gửi lại lệnh để làm tiếp."
STOPPED = "Đã thoát. Chưa có gì được lưu thêm."
NOTHING_TO_STOP = "Không có thao tác nào đang dở."
UNIT_LISTS_ONLY = ("Lệnh này dành cho trưởng đơn vị và cán bộ các đơn vị. "
                   "Đồng chí dùng /donvi để xem nhiệm vụ của từng đơn vị.")
EXIT_HINT = "Gửi /thoat để dừng."
EXIT_LABEL = "Thoát"
TOO_LONG = "Nội dung quá dài (tối đa {limit} ký tự). Hãy viết gọn lại."


def addressed(person: Person) -> str:
    """How the bot greets a person: "đồng chí <name>"."""
    return f"đồng chí {person.name}"


def due_status(task: Task, today: date) -> str:
    """Where a task stands on `today`: quá hạn N ngày, đến hạn hôm nay, còn N ngày, không có hạn..."""
    if task.status == TaskStatus.REPORTED_DONE:
        return "đã báo xong, chờ xác nhận"
    if task.status == TaskStatus.DONE:
        return "đã hoàn thành"
    if task.status == TaskStatus.CANCELLED:
        return "đã hủy"
    if task.due_on is None:
        return "thường xuyên" if task.deadline_kind == DeadlineKind.RECURRING else "không có hạn"
    days = (task.due_on - today).days
    if days < 0:
        return f"quá hạn {-days} ngày"
    return "đến hạn hôm nay" if days == 0 else f"còn {days} ngày"


def due_words(task: Task, today: date) -> str:
    """The due date and the status: "hạn 30/05/2026, còn 12 ngày", or just "không có hạn"."""
    status = due_status(task, today)
    return f"hạn {format_day(task.due_on)}, {status}" if task.due_on else status


def task_line(number: int, task: Task, today: date) -> str:
    """One numbered line of a list: "1. <title> — hạn 30/05/2026, còn 12 ngày (#12)"."""
    return f"{number}. {short(task.title)} — {due_words(task, today)} (#{task.id})"


def task_lines(tasks: list[Task], today: date, limit: int = LIST_LIMIT) -> list[str]:
    """The first `limit` tasks numbered from 1, and "và N nhiệm vụ khác." for the rest."""
    lines = [task_line(n, task, today) for n, task in enumerate(tasks[:limit], 1)]
    if len(tasks) > limit:
        lines.append(f"và {len(tasks) - limit} nhiệm vụ khác.")
    return lines


def task_heading(task: Task, today: date) -> str:
    """A task named in a conversation: "Nhiệm vụ #12: <title> (hạn 30/05/2026, còn 12 ngày)"."""
    return f"Nhiệm vụ #{task.id}: {short(task.title, 160)} ({due_words(task, today)})"


def too_long(text: str, limit: int) -> str | None:
    """The message to send when `text` is longer than `limit`, else None."""
    return TOO_LONG.format(limit=limit) if len(text) > limit else None
