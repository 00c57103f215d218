"""The shape of a task table in tab-separated text: cleaned cells, the header's columns found by their
words, appendix headings, and the document's number and date. tables.py turns rows into tasks."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

from tracker.names import fold, nfc

_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^<>]{0,500}>")
# Inline tags sit inside a word run ("(<i>Mầm non</i>)"); any other tag (li, br, p, ul) separates text.
_INLINE_TAGS = {"i", "b", "u", "em", "strong", "span", "sup", "sub", "font", "a", "s", "strike"}

# Folded header words (fold() removes diacritics, case and punctuation: "Kết quả/ Sản phẩm" -> "ket qua san pham").
_STT = {"stt", "tt", "so tt", "st t", "s tt", "so thu tu"}
_TASK = re.compile(r"^(ten )?(nhiem vu|noi dung|cong viec)\b")
# Checked in this order on each header cell; the first match takes the column (once per field).
_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coordinating", re.compile(r"\bphoi hop\b")),
    ("owner", re.compile(r"\bchu tri\b|^don vi thuc hien\b|^co quan thuc hien\b")),
    ("deadline", re.compile(r"^(thoi han|thoi gian|han hoan thanh)\b")),
    ("leader", re.compile(r"\blanh dao\b")),
    ("forecast", re.compile(r"^du bao\b")),
    ("recommendation", re.compile(r"^(kien nghi|de xuat)\b")),
    ("expected_output", re.compile(r"\bsan pham\b|^ket qua (du kien|dau ra|can dat)\b")),
    ("result", re.compile(r"^(ket qua|tinh hinh) thuc hien\b")),
)
_NUMBERING = re.compile(r"^\(?\s*(\d{1,3})\s*\)?$")
_APPENDIX = re.compile(r"^phu luc (?:so )?(\d{1,3}|[ivxlc]{1,7})\b(.*)$")
_DOC_NUMBER = re.compile(r"\bsố\s*:?\s*(\d{1,6}[A-Za-z]?\s*/\s*[0-9A-Za-zĐđ][0-9A-Za-zĐđ&.\-]{0,40})", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_PLACE_DATE = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})(?!\d)", re.IGNORECASE)
# "Phù Liễn, ngày 10 tháng 01 năm 2026": the place-and-date line, not a date cited in a sentence.
_PLACE_LINE = re.compile(r"^([^,\d]{1,40},\s*)?ngày\b", re.IGNORECASE)
_MONTH = re.compile(r"\bthang (\d{1,2})\b(?: (?:nam )?(\d{4})\b)?")


def clean_cell(text: str) -> str:
    """A cell as a person reads it: no HTML-ish tags (<i>, <ul ...>), entities decoded, one space, NFC."""
    stripped = _TAG.sub(lambda m: "" if m.group(1).lower() in _INLINE_TAGS else " ", text)
    return nfc(html.unescape(stripped))


def split_cells(line: str) -> list[str]:
    return [clean_cell(c) for c in line.split("\t")]


@dataclass(frozen=True)
class Columns:
    """Where each field sits in a task table; None when the table has no such column."""

    stt: int
    task: int
    width: int
    fields: dict[str, int] = field(default_factory=dict)
    forecast_header: str = ""

    def index(self, name: str) -> int | None:
        return self.fields.get(name)

    @property
    def is_task_table(self) -> bool:
        # A finance table may have "Nội dung" too (Phụ lục 4); a task table also says who, when or what.
        return any(name in self.fields for name in ("owner", "deadline", "expected_output"))

    def same_layout(self, other: Columns) -> bool:
        return (self.stt, self.task, self.fields) == (other.stt, other.task, other.fields)


def is_header_row(cells: list[str]) -> bool:
    """A header row of some table, task table or not: one of its cells is "STT"."""
    return any(fold(c) in _STT for c in cells)


def read_header(cells: list[str]) -> Columns | None:
    """The columns of a header row (cells "STT" and "Nhiệm vụ"/"Nội dung" among them), or None."""
    folded = [fold(c) for c in cells]
    stt = next((i for i, f in enumerate(folded) if f in _STT), None)
    if stt is None:
        return None
    task = next((i for i, f in enumerate(folded) if i != stt and _TASK.match(f)), None)
    if task is None:
        return None
    fields: dict[str, int] = {}
    for i, key in enumerate(folded):
        if i in (stt, task) or not key:
            continue
        for name, pattern in _FIELDS:
            if name not in fields and pattern.search(key):
                fields[name] = i
                break
    forecast = fields.get("forecast")
    return Columns(stt, task, len(cells), fields, cells[forecast] if forecast is not None else "")


def is_numbering_row(cells: list[str]) -> bool:
    """A row like "(1) (2) (3) ..." that numbers the columns under the header."""
    filled = [(i, c) for i, c in enumerate(cells) if c]
    if len(filled) < 2:
        return False
    for i, cell in filled:
        match = _NUMBERING.match(cell)
        if not match or (not cell.startswith("(") and int(match.group(1)) != i + 1):
            return False
    return True


def appendix_heading(line: str) -> tuple[str, str] | None:
    """("1", "") for "PHỤ LỤC 1"; ("II", "NHIỆM VỤ ...") for "Phụ lục II: NHIỆM VỤ ..."; else None."""
    if len(line) > 200:
        return None
    match = _APPENDIX.match(fold(line))
    if not match:
        return None
    label = match.group(1).upper()
    rest = ""
    if match.group(2).strip():
        rest = re.sub(r"^\W*phụ lục\s*(số\s*)?\w+\s*[:.\-–]?\s*", "", line, flags=re.IGNORECASE).strip()
    return label, rest


def is_title_line(line: str) -> bool:
    """An upper-case heading line such as "KẾT QUẢ THỰC HIỆN NHIỆM VỤ TRỌNG TÂM ... THÁNG 5 NĂM 2026"."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters) and not line.startswith("(")


def month_of(text: str, year: int | None) -> str | None:
    """"2026-05" from "... THÁNG 5 NĂM 2026" (or "(tháng 5)" and the given year)."""
    for match in _MONTH.finditer(fold(text)):
        month, named_year = int(match.group(1)), match.group(2)
        chosen = int(named_year) if named_year else year
        if 1 <= month <= 12 and chosen and 1900 < chosen < 2200:
            return f"{chosen:04d}-{month:02d}"
    return None


@dataclass
class DocumentFacts:
    """Number and date of the document, from "(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 ...)",
    "Số: 08/KH-UBND" or "Phù Liễn, ngày 10 tháng 01 năm 2026". A date without its day keeps the month."""

    number: str = ""
    issued: date | None = None
    month: int | None = None
    year: int | None = None

    def read(self, line: str) -> None:
        key = fold(line)
        attached = key.startswith("kem theo")
        if attached or key.startswith("so "):
            self._read_number_and_date(line, attached)
        if _PLACE_LINE.match(line):
            self._read_place_date(line)

    def day(self, on: date) -> date:
        """The day deadlines are read against: the issue date, else the 1st of its month, else `on`."""
        if self.issued:
            return self.issued
        if self.year and self.month:
            return date(self.year, self.month, 1)
        if self.year and self.year != on.year:
            return date(self.year, 1, 1)
        return on

    def _read_number_and_date(self, line: str, attached: bool) -> None:
        number = _DOC_NUMBER.search(line)
        if number and not self.number:
            self.number = re.sub(r"\s+", "", number.group(1)).rstrip(".-")
        if attached and not self.issued:
            after = line[number.end() :] if number else line
            found = _NUMERIC_DATE.search(after)
            if found:
                self._set(found.group(1), found.group(2), found.group(3))

    def _read_place_date(self, line: str) -> None:
        found = _PLACE_DATE.search(line)
        if found and not self.issued:
            self._set(found.group(1), found.group(2), found.group(3))

    def _set(self, day: str | None, month: str | None, year: str) -> None:
        y = int(year)
        m = int(month) if month else None
        if not 1900 < y < 2200 or (m is not None and not 1 <= m <= 12):
            return
        self.year, self.month = self.year or y, self.month or m
        if day and m:
            try:
                self.issued = date(y, m, int(day))
            except ValueError:
                return
            self.year, self.month = y, m
