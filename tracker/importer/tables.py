"""Task tables of a plan or a monthly report (the Phụ lục), read from tab-separated text, one line per row.

Tables are found by their header words, not their position; a unit row ("1  Phòng Văn hóa - Xã hội phường
(22 nhiệm vụ)") heads a group and owns the tasks under it unless the table has an "Đơn vị chủ trì" column.
Nothing here raises on odd text: what cannot be read becomes a warning or a review reason on the task."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tracker.importer.deadline_grammar import WELL_BEFORE, shift
from tracker.importer.deadlines import parse_deadline
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ParsedTask, ParsedUpdate, UnitRef
from tracker.importer.table_layout import (
    Columns,
    DocumentFacts,
    appendix_heading,
    clean_cell,
    is_header_row,
    is_numbering_row,
    is_title_line,
    month_of,
    read_header,
    split_cells,
)
from tracker.importer.table_rows import Group, sort_rows
from tracker.names import fold

# An STT that starts a new row; a year ("2026") at the start of a line is more likely a cell's broken text.
_STT_LIKE = re.compile(r"^(\d{1,3}(\.\d{1,3})*|[IVXLC]{1,7}|[A-Z])\.?$")
# Upper-case lines of the national and signature blocks, and a bare kind word: never a table's title.
_BOILERPLATE = re.compile(
    r"^(cong hoa xa hoi|uy ban nhan dan|ubnd|hoi dong nhan dan|doc lap|tm|kt|chu tich|pho chu tich)\b"
    r"|^(ke hoach|bao cao|thong bao|quyet dinh|cong van|to trinh|phu luc)$"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20|21)\d{2}(?!\d)")
# Lines that close a table rather than continue its last cell: the signature block, notes.
_CLOSING = re.compile(r"^(noi nhan|tm |kt |tl |chu tich|pho chu tich|nguoi lap|ghi chu)")


@dataclass
class TableParse:
    tasks: list[ParsedTask]
    warnings: list[str]
    number: str = ""
    issued: date | None = None
    title: str = ""
    report_month: str | None = None


@dataclass
class _Table:
    label: str  # the appendix it belongs to ("1", "II"), or "" when the text names none
    title: str
    columns: Columns
    rows: list[list[str]] = field(default_factory=list)


def parse_task_tables(text: str, *, units: UnitDirectory, on: date) -> TableParse:
    """Every task of every task table in `text`, with the document's number, date, title and (for a results
    appendix) the month it reports on. `on` is the date deadlines are read against when the text gives none.
    The tasks of a plan table (a table without a results column whose title names a month: "PHƯƠNG HƯỚNG,
    NHIỆM VỤ ... THÁNG 6 NĂM 2026") start on that month's first day, and their deadlines' "this month" is
    that month; the tasks of a results appendix are the tasks of the month it reports on, and start on its
    first day; other tasks have no start of their own (None).
    Never raises: an empty or unreadable text gives no tasks and a warning."""
    scanner = _Scanner()
    for line in text.splitlines():
        scanner.feed(line)
    scanner.close()
    facts = scanner.facts
    day = facts.day(on)
    sorted_tables = [(table, sort_rows(table.rows, table.columns, units)) for table in scanner.tables]
    with_tasks = [t for t, rows in sorted_tables if rows.tasks]
    result = TableParse(tasks=[], warnings=[], number=facts.number, issued=facts.issued)
    result.title = with_tasks[0].title if with_tasks else ""
    result.report_month = _report_month(with_tasks, facts, day)
    seen: set[str] = set()
    for index, (table, rows) in enumerate(sorted_tables, start=1):
        where = f"Phụ lục {table.label}" if table.label else f"bảng {index}"
        prefix = (f"PL{table.label}" if table.label else f"B{index}") if len(with_tasks) > 1 else ""
        result.warnings.extend(f"{where}: {w}" for w in rows.warnings)
        result.warnings.extend(_count_warnings(rows.groups, where))
        if not rows.tasks:
            result.warnings.append(f"{where}: bảng nhiệm vụ không có dòng nhiệm vụ nào.")
        # A results appendix reports on deadlines of its own month, which may fall before the report itself:
        # read them against the month's first day so that they are not flagged as earlier than the document.
        read_on = _month_start(result.report_month) if table.columns.index("result") is not None else None
        plan_start = _plan_start(table, facts, day)
        for cells, group in rows.tasks:
            ref = _unique_ref(cells[table.columns.stt].rstrip(". "), prefix, seen, where, result.warnings)
            result.tasks.append(_task(cells, group, table.columns, units, read_on or day, ref, plan_start, read_on))
    if not scanner.tables:
        result.warnings.append(
            "Không thấy bảng nhiệm vụ nào: cần một dòng tiêu đề có cột «STT» và cột «Nhiệm vụ» (hoặc «Nội dung»)."
        )
    return result


class _Scanner:
    """Walks the lines once: appendix headings and their titles, the document's number and date, task tables
    (a repeated header after a page break continues its table) and their rows, rejoining rows whose line
    broke inside a cell."""

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.facts = DocumentFacts()
        self._label = ""
        self._heading = ""  # the last upper-case line, the title of a table outside any appendix
        self._title = ""
        self._title_open = False
        self._table: _Table | None = None
        self._pending: list[str] | None = None  # a row whose line broke inside a cell
        self._after_row = False

    def feed(self, line: str) -> None:
        if "\t" not in line:
            self._text_line(clean_cell(line))
            return
        cells = split_cells(line)
        if not any(cells):
            self._blank()
            return
        self._title_open = False
        columns = read_header(cells)
        if columns is not None or is_header_row(cells):
            self._header(columns)
        elif self._table is not None:
            self._row(cells, self._table.columns)

    def close(self) -> None:
        self._finish_pending()
        self._table = None
        self._after_row = False

    def _text_line(self, line: str) -> None:
        if not line:
            self._blank()
            return
        heading = appendix_heading(line)
        if heading:
            self.close()
            self._label, self._title = heading
            self._title_open = not self._title
            return
        if self._continues_cell(line):
            return
        self._after_row = False
        self.facts.read(line)
        if is_title_line(line):
            if self._title_open:
                self._title = f"{self._title} {line}".strip()
                return
            if not _BOILERPLATE.match(fold(line)):
                self._heading = line
        self._title_open = False

    def _continues_cell(self, line: str) -> bool:
        # A line with no tab right after a row is the rest of a cell that held a line break.
        if self._table is None:
            return False
        if self._pending is not None:
            self._pending[-1] = f"{self._pending[-1]} {line}".strip()
            return True
        if not self._after_row or _CLOSING.match(fold(line)) or is_title_line(line):
            return False
        row = self._table.rows[-1]
        last = self._table.columns.width - 1
        row.extend([""] * (last + 1 - len(row)))
        row[last] = f"{row[last]} {line}".strip()
        return True

    def _blank(self) -> None:
        self._finish_pending()
        self._after_row = False

    def _header(self, columns: Columns | None) -> None:
        self._finish_pending()
        self._after_row = False
        if columns is None or not columns.is_task_table:
            self._table = None
            return
        if self._table is not None and self._table.columns.same_layout(columns):
            return  # the header repeated after a page break
        self._table = _Table(self._label, self._title or self._heading, columns)
        self.tables.append(self._table)
        self._heading = ""

    def _row(self, cells: list[str], columns: Columns) -> None:
        if self._pending is not None:
            if not _starts_row(cells, columns, self._pending[columns.stt] if columns.stt < len(self._pending) else ""):
                self._pending[-1] = f"{self._pending[-1]} {cells[0]}".strip()
                self._pending.extend(cells[1:])
                if len(self._pending) >= columns.width:
                    self._finish_pending()
                self._after_row = True
                return
            self._finish_pending()
        if is_numbering_row(cells):
            return
        self._after_row = True
        if len(cells) < columns.width:
            self._pending = cells
        else:
            assert self._table is not None
            self._table.rows.append(cells)

    def _finish_pending(self) -> None:
        if self._pending is None or self._table is None:
            self._pending = None
            return
        width = self._table.columns.width
        self._table.rows.append(self._pending + [""] * (width - len(self._pending)))
        self._pending = None


def _starts_row(cells: list[str], columns: Columns, previous: str) -> bool:
    """Whether a line after an unfinished row starts a row of its own. A bare number or numeral may as well be
    the rest of a cell ("Tháng" / "6", "Quý" / "II"), so it counts only when it follows the row above
    ("2.5" -> "3", "I" -> "II")."""
    token = cells[columns.stt].rstrip(".") if len(cells) > columns.stt else ""
    if not _STT_LIKE.match(token) or not token:
        return False
    before = previous.rstrip(".")
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3})*", before):
        return True
    if not token[0].isdigit():
        return False
    if "." in token or cells[columns.stt].endswith("."):
        return True
    parts = [int(p) for p in before.split(".")]
    return int(token) == parts[0] + 1 or (len(parts) == 1 and int(token) == parts[0])


def _task(
    cells: list[str], group: Group | None, columns: Columns, units: UnitDirectory, day: date, ref: str,
    plan_start: date | None, report_start: date | None = None,
) -> ParsedTask:
    def cell(name: str) -> str:
        index = columns.index(name)
        return cells[index] if index is not None and index < len(cells) else ""

    owner, review = _owner(cell("owner"), group, units)
    if not cells[columns.task]:
        review.append("Dòng không ghi nội dung nhiệm vụ; cần kiểm tra.")
    coordinating = units.find_all(cell("coordinating")) if cell("coordinating") else []
    update = None
    if any(columns.index(n) is not None for n in ("result", "forecast", "recommendation")) and (
        cell("result") or cell("forecast") or cell("recommendation")
    ):
        update = ParsedUpdate(cell("result"), cell("forecast"), cell("recommendation"))
    return ParsedTask(
        ref=ref,
        owner=owner,
        title=cells[columns.task],
        deadline=parse_deadline(cell("deadline"), on=day, base=plan_start),
        coordinating=coordinating,
        expected_output=cell("expected_output"),
        leader=cell("leader"),
        update=update,
        review=review,
        starts=plan_start or report_start,
    )


def _owner(text: str, group: Group | None, units: UnitDirectory) -> tuple[UnitRef, list[str]]:
    if not text:
        if group is not None:
            ref = group.unit
        else:
            return UnitRef("", None), ["Không có đơn vị chủ trì; cần chọn đơn vị."]
    else:
        ref = units.resolve(text)
        if ref.unit is None:
            named = [r for r in units.find_all(text) if r.unit is not None]
            if len(named) == 1:
                ref = UnitRef(ref.text, named[0].unit)
            elif named:
                reason = f"Ô đơn vị chủ trì «{ref.text}» nêu nhiều đơn vị; đã chọn «{named[0].unit}», cần kiểm tra."
                return UnitRef(ref.text, named[0].unit), [reason]
    if ref.unit is None:
        return ref, [f"Không nhận ra đơn vị chủ trì «{ref.text}»; cần chọn đơn vị."]
    return ref, []


def _month_start(month: str | None) -> date | None:
    return date(int(month[:4]), int(month[5:7]), 1) if month else None


def _plan_start(table: _Table, facts: DocumentFacts, day: date) -> date | None:
    """The first day of the month a plan table is for, from its title ("... THÁNG 6 NĂM 2026"), or None for
    a results table or a title without a month. A month without its year takes the document's, and the next
    year when that would put it well before the document ("THÁNG 1" in a plan made in December)."""
    if table.columns.index("result") is not None:
        return None
    start = _month_start(month_of(table.title, facts.year or day.year))
    if start is not None and not _YEAR.search(table.title) and start < shift(day, -WELL_BEFORE.days):
        return start.replace(year=start.year + 1)
    return start


def _unique_ref(stt: str, prefix: str, seen: set[str], where: str, warnings: list[str]) -> str:
    base = f"{prefix}-{stt}" if prefix else stt
    ref, n = base, 2
    while ref in seen:
        ref, n = f"{base}-{n}", n + 1
    if ref != base:
        warnings.append(f"{where}: số thứ tự {stt} lặp lại; nhiệm vụ sau được đánh số {ref}.")
    seen.add(ref)
    return ref


def _count_warnings(groups: list[Group], where: str) -> list[str]:
    return [
        f"{where}: nhóm «{g.text}» ghi {g.stated} nhiệm vụ nhưng bảng có {g.found} dòng nhiệm vụ."
        for g in groups
        if g.stated is not None and g.stated != g.found
    ]


def _report_month(tables: list[_Table], facts: DocumentFacts, day: date) -> str | None:
    for table in tables:
        if table.columns.index("result") is None:
            continue
        return month_of(table.title, None) or month_of(table.columns.forecast_header, facts.year or day.year)
    return None
