"""The administrative header every Vietnamese official document carries (Decree 30/2020/NĐ-CP):
"Số: 1314/TB-UBND", "Phường X, ngày 07 tháng 5 năm 2026", the document kind and its title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tracker.names import nfc

_NUMBER = re.compile(r"^\s*Số\s*:\s*([0-9]*\s*/\s*[0-9A-ZĐ][0-9A-ZĐa-zđ\-]*)", re.MULTILINE)
_PLACE_DATE = re.compile(
    r"ngày\s+(\d{1,2})?\s*tháng\s+(\d{1,2})?\s*năm\s+(\d{4})", re.IGNORECASE
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_KINDS = ("THÔNG BÁO", "KẾ HOẠCH", "BÁO CÁO", "QUYẾT ĐỊNH", "CHƯƠNG TRÌNH", "CÔNG VĂN", "PHỤ LỤC")


@dataclass
class Header:
    number: str = ""
    issued: date | None = None
    issued_month: tuple[int, int] | None = None  # (year, month) when the day is left blank for signing
    kind_word: str = ""
    title: str = ""


def read_header(text: str) -> Header:
    """The header fields found in the first lines; blank parts (a number or day left for the signer)
    stay empty rather than guessed."""
    head = "\n".join(text.splitlines()[:40])
    header = Header()
    if match := _NUMBER.search(head):
        number = re.sub(r"\s+", "", match.group(1))
        header.number = number if not number.startswith("/") else ""
    if match := _PLACE_DATE.search(head):
        day, month, year = match.groups()
        if month and day:
            header.issued = _safe_date(int(year), int(month), int(day))
        if month:
            header.issued_month = (int(year), int(month))
    header.kind_word, header.title = _kind_and_title(head)
    return header


def _kind_and_title(head: str) -> tuple[str, str]:
    lines = [nfc(line) for line in head.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.upper() == line and line.strip("* ") in _KINDS:
            title_lines = []
            for following in lines[index + 1 : index + 4]:
                if following.startswith(("(", "Căn cứ", "Thực hiện", "Ngày")) or following.upper() == following:
                    break
                title_lines.append(following)
                if len(" ".join(title_lines)) > 60:
                    break
            return line.strip("* "), " ".join(title_lines)
    return "", ""


def first_date_near(text: str, words: tuple[str, ...]) -> date | None:
    """The first d/m/yyyy date in the first paragraph that mentions one of `words` (e.g. the meeting)."""
    for paragraph in text.split("\n\n")[:30]:
        lowered = paragraph.lower()
        if any(w in lowered for w in words) and (match := _NUMERIC_DATE.search(paragraph)):
            day, month, year = (int(g) for g in match.groups())
            return _safe_date(year, month, day)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
