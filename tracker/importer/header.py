"""The administrative header every Vietnamese official document carries (Decree 30/2020/NĐ-CP):
"Số: 1314/TB-UBND", "Phường X, ngày 07 tháng 5 năm 2026", the document kind and its title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tracker.importer.table_layout import DocumentFacts
from tracker.names import nfc

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
    lines = text.splitlines()[:40]
    facts = DocumentFacts()  # the same reader the task tables use for "Số:" and the place-and-date line
    for line in lines:
        facts.read(line)
    header = Header(number=facts.number, issued=facts.issued)
    if facts.year and facts.month:
        header.issued_month = (facts.year, facts.month)
    header.kind_word, header.title = _kind_and_title("\n".join(lines))
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
