"""Finding tasks as office staff look for them: by unit, status class, leader, report month and source
document, and by words typed without diacritics ("ho ngheo" finds "hộ nghèo"); sorted and cut in pages.
The web console's task list and its Excel export use it; the rows are those list_tasks lets the actor see."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from tracker.access import Action, require
from tracker.models import Person, Task, TaskStatus
from tracker.reports.selection import in_results_appendix, parse_month
from tracker.status import StatusClass, status_class_sql
from tracker.usecases.queries import visible_unit

PAGE_SIZE = 50
SORTS = ("due", "newest", "unit", "title")


@dataclass(frozen=True)
class TaskFilter:
    """What to look for; every field empty means every task of the ward but the cancelled ones."""

    unit_id: int | None = None
    status_class: StatusClass | None = None
    status: TaskStatus | None = None
    leader_id: int | None = None
    month: str = ""  # "05/2026" or "2026-05": tasks reported in that month's appendix
    document_id: int | None = None
    words: str = ""
    sort: str = "due"
    page: int = 1


@dataclass(frozen=True)
class TaskPage:
    tasks: list[Task]
    total: int
    page: int
    pages: int


# Any character but ASCII and the marks of Latin letters (Vietnamese's among them, all combining but the
# grapheme joiner U+034F): text without one folds by dropping what is not ASCII.
_NOT_LATIN = re.compile("[^\x00-\x7f\u0300-\u034e\u0350-\u036f]")


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: how the search compares words."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    if _NOT_LATIN.search(decomposed) is None:
        # The ASCII codec drops the marks in C, several times faster than looking at each character here.
        bare = decomposed.encode("ascii", "ignore").decode("ascii")
    else:
        marks = "".join(c for c in set(decomposed) if unicodedata.combining(c))
        bare = re.sub(f"[{re.escape(marks)}]+", "", decomposed) if marks else decomposed
    return " ".join(bare.split())


def search_tasks(session: Session, *, actor: Person, day: date, wanted: TaskFilter,
                 page_size: int | None = PAGE_SIZE) -> TaskPage:
    """The page `wanted.page` (from 1) of the tasks the actor may see that match `wanted`, on `day` for
    the status classes; `page_size` None gives every match on one page (the export). Raises
    ForbiddenError (a unit head asking for another unit), InvalidInputError (a month not understood).

    Only the page's tasks are loaded whole: the database counts, sorts and cuts the page, except for words
    and the sort by title, which compare folded text; then the few columns they need are read for every
    match and the page is cut here (a ward of 10,000 tasks listed in one go took 0.4 s)."""
    unit_id = visible_unit(actor, wanted.unit_id)
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    matching = _conditions(actor, unit_id, wanted, day)
    words = fold(wanted.words)
    if words or wanted.sort == "title":
        return _folded_page(session, matching, words, wanted, page_size)
    total = int(session.exec(select(func.count()).select_from(Task).where(*matching)).one())
    page, pages, offset = _bounds(total, wanted.page, page_size)
    query = select(Task).where(*matching).order_by(*_SQL_ORDER[wanted.sort]).offset(offset)
    tasks = list(session.exec(query.limit(page_size) if page_size is not None else query))
    return TaskPage(tasks=tasks, total=total, page=page, pages=pages)


def _conditions(actor: Person, unit_id: int | None, wanted: TaskFilter, day: date) -> list[Any]:
    matching: list[Any] = [Task.org_id == actor.org_id]
    if unit_id is not None:
        matching.append(Task.owner_unit_id == unit_id)
    if wanted.status is not None:
        matching.append(Task.status == wanted.status)
    elif wanted.status_class is None:
        matching.append(Task.status != TaskStatus.CANCELLED)
    if wanted.status_class is not None:
        matching += [status_class_sql(day) == wanted.status_class.value, Task.status != TaskStatus.CANCELLED]
    if wanted.leader_id is not None:
        matching.append(Task.supervising_leader_id == wanted.leader_id)
    if wanted.document_id is not None:
        matching.append(Task.source_document_id == wanted.document_id)
    if wanted.month.strip():
        matching.append(in_results_appendix(parse_month(wanted.month)))
    return matching


# The sorts in SQL (no due date last, then by id); _Columns.sorted sorts the same way in Python.
_DUE = (col(Task.due_on).is_(None), col(Task.due_on), col(Task.id))
_SQL_ORDER: dict[str, tuple[Any, ...]] = {
    "due": _DUE, "newest": (col(Task.id).desc(),), "unit": (col(Task.owner_unit_id), *_DUE),
}


def _bounds(total: int, page: int, page_size: int | None) -> tuple[int, int, int]:
    """The page asked for, kept within the pages there are; how many pages; the offset of its first row."""
    if page_size is None:
        return 1, 1, 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    return page, pages, (page - 1) * page_size


def _folded_page(session: Session, matching: list[Any], words: str, wanted: TaskFilter,
                 page_size: int | None) -> TaskPage:
    found = _Columns.read(session, matching)
    order = list(range(len(found.ids)))  # by id
    if words:
        texts = fold_each([f"{found.titles[i]} {found.outputs[i]} {found.deadlines[i]}" for i in order])
        order = [i for i, text in zip(order, texts, strict=True) if words in text]
    order = found.sorted(order, wanted.sort)
    page, pages, offset = _bounds(len(order), wanted.page, page_size)
    shown = order[offset:offset + page_size] if page_size is not None else order
    return TaskPage(tasks=_load(session, [found.ids[i] for i in shown]), total=len(order), page=page, pages=pages)


@dataclass
class _Columns:
    """What the words and the sorts look at, a list a column and an index a task, in id order. Plain values
    in a few lists, not a row object a task: thousands of rows kept alive through a search were promoted
    and made the collector walk the whole heap every few searches (their p95 twice their p50)."""

    ids: list[int]
    units: list[int]
    dues: list[date | None]
    titles: list[str]
    outputs: list[str]
    deadlines: list[str]

    @classmethod
    def read(cls, session: Session, matching: list[Any]) -> _Columns:
        query = select(Task.id, Task.owner_unit_id, Task.due_on, Task.title, Task.expected_output,
                       Task.deadline_text).where(*matching).order_by(col(Task.id))
        found = cls([], [], [], [], [], [])
        for row in session.exec(query.execution_options(yield_per=500)):
            found.ids.append(row[0])
            found.units.append(row[1])
            found.dues.append(row[2])
            found.titles.append(row[3])
            found.outputs.append(row[4])
            found.deadlines.append(row[5])
        return found

    def sorted(self, order: list[int], sort: str) -> list[int]:
        """The indexes `order` (in id order) as _SQL_ORDER sorts, or by folded title then id: one stable
        pass a key, the last pass the first key, each key a plain value (no tuple a task)."""
        if sort == "newest":
            return order[::-1]
        if sort == "title":
            folded = dict(zip(order, fold_each([self.titles[i] for i in order]), strict=True))
            return sorted(order, key=folded.__getitem__)
        dues = self.dues
        order = sorted(order, key=lambda i: dues[i] or date.max)
        order = sorted(order, key=lambda i: dues[i] is None)
        return sorted(order, key=self.units.__getitem__) if sort == "unit" else order


_SEPARATOR = "\x00"  # not whitespace, so fold keeps it; not in a task's words (PostgreSQL refuses it in text)


def fold_each(texts: list[str]) -> list[str]:
    """fold of each text, folded all at once: one call over a ward's thousands of tasks instead of one a task,
    four times faster. A text holding the separator itself is folded alone."""
    parts = fold(_SEPARATOR.join(texts)).split(_SEPARATOR)
    if len(parts) != len(texts):
        return [fold(text) for text in texts]
    return [part.strip() for part in parts]


def _load(session: Session, ids: list[int]) -> list[Task]:
    """The tasks `ids`, in that order; a few hundred at a time so that no database meets its limit of
    parameters in one statement."""
    found: dict[int, Task] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update((t.id or 0, t) for t in session.exec(select(Task).where(col(Task.id).in_(chunk))))
    return [found[i] for i in ids]
