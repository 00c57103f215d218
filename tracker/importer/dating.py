"""When a document without the formal header was written: the date a directive's deadlines are read
against ("trước ngày 30/6" takes its year) and its issue date.

Formal documents carry "Phường X, ngày 07 tháng 5 năm 2026" (read by tracker.importer.header); pages and
press reports of a directive carry a posting date ("Ngày đăng 22/10/2015", "Cập nhật: 19/11/2020",
"THỨ SÁU, 05/01/2018"), an opening date ("Sáng ngày 15/9/2021, ...") or only a month ("date 2017-01" as
saved with the page)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

_FULL_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_POSTED = re.compile(
    r"(?:ngày\s+đăng|đăng\s+ngày|cập\s+nhật|ngày\s+cập\s+nhật|ngày\s+ban\s+hành|thứ\s+\S+|chủ\s+nhật)\s*[:,]?\s*"
    + _FULL_DATE,
    re.IGNORECASE,
)
_DATE_LINE = re.compile(r"^\W*" + _FULL_DATE + r"(?:\s*\|.*|\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$", re.MULTILINE)
_MONTH_STAMP = re.compile(r"^\s*date\s+(\d{4})-(\d{2})\b")
_OPENING = re.compile(r"(?:^|[.\n]\s*)(?:(?:sáng|chiều|tối|trưa)\s+)?ngày\s+" + _FULL_DATE, re.IGNORECASE)
_YEAR_MENTION = re.compile(r"(?<!\w)năm\s+(\d{4})(?!\d)", re.IGNORECASE)
_WORDED = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentDate:
    """`on` is the day deadlines are read against (None when the text gives no year at all); `issued`
    is the date the document itself states, None when only a month or nothing is known; `guessed` says
    that `on` only stands for the year the text talks about most ("năm 2024" three times)."""

    on: date | None
    issued: date | None
    guessed: bool = False


def date_of_text(text: str, *, issued: date | None = None) -> DocumentDate:
    """The document's date from its header (`issued`, when the caller read one), else a posting line,
    else an opening "Ngày d/m/yyyy", else a month stamp; never a date inside the body's references."""
    if issued:
        return DocumentDate(issued, issued)
    head = text[:600]
    for pattern in (_POSTED, _DATE_LINE, _OPENING, _WORDED):
        for match in pattern.finditer(head):
            found = _safe(*match.groups()[-3:])
            if found:
                return DocumentDate(found, found)
    stamp = _MONTH_STAMP.match(text)
    if stamp and (found := _safe("1", stamp.group(2), stamp.group(1))):
        return DocumentDate(found, None)
    # Last, any full date near the top outside brackets (a headline's "trước 30/6/2023", an event of the
    # time): it tells the year, not the day the document was issued.
    for match in re.finditer(_FULL_DATE, re.sub(r"\([^()]*\)", " ", head)):
        if found := _safe(*match.groups()):
            return DocumentDate(found, None)
    years = Counter(int(y) for y in _YEAR_MENTION.findall(text[:3000]) if 1945 < int(y) < 2200)
    if years:
        year = max(years, key=lambda y: (years[y], y))
        return DocumentDate(date(year, 1, 1), None, guessed=True)
    return DocumentDate(None, None)


def _safe(day: str, month: str, year: str) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if 1945 < found.year < 2200 else None
