"""Sorting a task table's rows: unit rows that head a group, section rows, task rows, and rows that only
continue the task above (no STT, or a bullet in the STT column)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.importer.directory import UnitDirectory
from tracker.importer.model import UnitRef
from tracker.importer.table_layout import Columns, is_title_line
from tracker.names import fold

_GROUP_COUNT = re.compile(r"\(\s*(\d{1,4})\s*nhiệm\s*vụ\s*\)\s*\.?$", re.IGNORECASE)
_SECTION_STT = re.compile(r"^([IVXLC]{1,7}|[A-Za-z])\.?$")
_BULLET = re.compile(r"^[-+*•–—]+$")
# How a unit's name begins, for a group row whose unit is not configured ("Phòng Tư pháp phường").
_UNIT_WORDS = re.compile(r"^(phong|ban|trung tam|van phong|cong an|tram|doi|hoi|uy ban|ubnd|chi cuc|co quan)\b")


@dataclass
class Group:
    """A unit row: the unit as written and resolved, the count it states, and the task rows found under it."""

    text: str
    unit: UnitRef
    stated: int | None
    found: int = 0


@dataclass
class SortedRows:
    tasks: list[tuple[list[str], Group | None]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sort_rows(rows: list[list[str]], columns: Columns, units: UnitDirectory) -> SortedRows:
    """Task rows with the group they sit in; a row without STT is merged into the task row above it."""
    out = SortedRows()
    group: Group | None = None
    last: list[str] | None = None
    for cells in rows:
        stt = cells[columns.stt].rstrip(". ")
        title = cells[columns.task]
        rest = any(c for i, c in enumerate(cells) if i not in (columns.stt, columns.task))
        if not stt or _BULLET.match(stt):
            if last is not None:
                _merge(last, cells, columns)
            elif title or rest:
                out.warnings.append(f"dòng «{_short(title or ' '.join(cells))}» không có số thứ tự; đã bỏ qua.")
            continue
        if not rest:
            found = _group_of(title, units, owner_column=columns.index("owner") is not None)
            if found is not None:
                group, last = found, None
                out.groups.append(group)
                continue
            if _SECTION_STT.match(stt) or is_title_line(title):
                last = None
                continue
        last = list(cells)
        out.tasks.append((last, group))
        if group is not None:
            group.found += 1
    return out


def _group_of(title: str, units: UnitDirectory, *, owner_column: bool) -> Group | None:
    count = _GROUP_COUNT.search(title)
    text = title[: count.start()].strip() if count else title
    ref = units.resolve(text)
    unit_like = not owner_column and len(text.split()) <= 12 and bool(_UNIT_WORDS.match(fold(text)))
    if count is None and ref.unit is None and not unit_like:
        return None
    return Group(text=ref.text or text, unit=ref, stated=int(count.group(1)) if count else None)


def _merge(last: list[str], cells: list[str], columns: Columns) -> None:
    bullet = cells[columns.stt].strip()
    for i, cell in enumerate(cells):
        if i == columns.stt or not cell:
            continue
        if i == columns.task and bullet:
            cell = f"{bullet} {cell}"
        if i < len(last):
            last[i] = f"{last[i]} {cell}".strip()
        else:
            last.extend([""] * (i - len(last)) + [cell])


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
