"""The dialog's Vietnamese: fixed sentences, and tasks written for a phone screen."""

from __future__ import annotations

from datetime import date

from tracker.messages import due_words, short
from tracker.models import Task

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


def task_heading(task: Task, today: date) -> str:
    """A task named in a conversation: "Nhiệm vụ #12: <title> (hạn 30/05/2026, còn 12 ngày)"."""
    return f"Nhiệm vụ #{task.id}: {short(task.title, 160)} ({due_words(task, today)})"


def too_long(text: str, limit: int) -> str | None:
    """The message to send when `text` is longer than `limit`, else None."""
    return TOO_LONG.format(limit=limit) if len(text) > limit else None
