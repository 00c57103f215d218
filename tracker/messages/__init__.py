"""Every message a person receives: one jinja2 template per message kind (tracker/messages/templates), in
Vietnamese, sized for a phone, rendered here and nowhere else, whoever sends it (the jobs, the outbox's
notices, the use cases, the chat dialog).

Templates get an explicit context and fail loudly on a missing name (StrictUndefined). The text that comes
out is NFC, has no runs of blank lines, and is cut at MAX_CHARS: Telegram accepts 4,096 characters and the
Zalo adapter splits longer texts at 2,000, so a message never needs more than a couple of screens."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from tracker.channels import channel_label
from tracker.clock import WARD_TZ
from tracker.dates import format_day
from tracker.jobdays import job_label
from tracker.models import DeadlineKind, Task, TaskStatus

MAX_CHARS = 3500
LIST_LIMIT = 10
TITLE_CHARS = 80
CUT_NOTE = "… (tin nhắn đã được rút gọn)"
_BLANK_RUNS = re.compile(r"\n{3,}")


def short(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.-–") + "…"


def day(value: date | None) -> str:
    """dd/mm/yyyy, as the ward writes dates."""
    return format_day(value)


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


def as_people_write(value: Any) -> Any:
    """What `{{ value }}` prints: a date as dd/mm/yyyy and a moment as HH:MM dd/mm/yyyy on the ward's clock,
    so that a template that forgets the `day` filter still never shows a person 2026-05-19."""
    if isinstance(value, datetime):
        local = value.astimezone(WARD_TZ) if value.tzinfo else value
        return f"{local:%H:%M} {format_day(local.date())}"
    if isinstance(value, date):
        return format_day(value)
    return value


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.messages", "templates"), undefined=StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, finalize=as_people_write,
    )
    env.filters["day"] = day
    env.filters["short"] = short
    env.filters["job_label"] = job_label
    env.filters["channel_label"] = channel_label
    env.filters["due_status"] = due_status
    env.filters["due_words"] = due_words
    env.globals["LIST_LIMIT"] = LIST_LIMIT
    return env


ENVIRONMENT = _environment()


def render(kind: str, **context: Any) -> str:
    """The message of `kind` (the template tracker/messages/templates/<kind>.txt.j2) for `context`: NFC, trimmed, at
    most MAX_CHARS characters. Raises jinja2 errors for a missing template or context name."""
    text = ENVIRONMENT.get_template(f"{kind}.txt.j2").render(**context)
    text = _BLANK_RUNS.sub("\n\n", unicodedata.normalize("NFC", text)).strip()
    return cap(text)


def cap(text: str, limit: int = MAX_CHARS) -> str:
    """`text` cut at the last line break that leaves room for a note saying it was cut."""
    if len(text) <= limit:
        return text
    room = limit - len(CUT_NOTE) - 1
    cut = text.rfind("\n", 0, room)
    return text[: cut if cut > 0 else room].rstrip() + "\n" + CUT_NOTE
