"""Dates as people type them: 31/5/2026, 31-05-2026, 2026-05-31."""

from __future__ import annotations

import re
from datetime import date

from tracker.errors import InvalidInputError

_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_day(text: str) -> date:
    """A calendar day from day/month/year or ISO text. Raises InvalidInputError for anything else,
    including dates that do not exist (31/4/2026), and never guesses."""
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise InvalidInputError(f"Không hiểu ngày «{text}»: hãy viết theo dạng ngày/tháng/năm, ví dụ 31/5/2026.")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidInputError(f"Ngày «{text.strip()}» không có thật trên lịch.") from exc


def format_day(day: date | None) -> str:
    """A day as the ward writes it: 05/06/2026."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else ""


def month_key(day: date) -> str:
    """The month a day belongs to, as stored on updates: '2026-05'."""
    return f"{day.year:04d}-{day.month:02d}"


def month_words(key: str) -> str:
    """A stored month ('2026-05') as people write it: '05/2026'."""
    year, month = key.split("-")
    return f"{month}/{year}"


def as_date(value: object) -> date:
    """A date column's value: SQLite gives it back as ISO text, PostgreSQL as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
