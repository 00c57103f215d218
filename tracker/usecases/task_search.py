"""Finding tasks as office staff look for them: by unit, status class, leader, report month and source
document, and by words typed without diacritics ("ho ngheo" finds "hộ nghèo"); sorted and cut in pages.
The web console's task list and its Excel export use it; the rows are those list_tasks lets the actor see."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

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


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: how the search compares words."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_tasks(session: Session, *, actor: Person, day: date, wanted: TaskFilter,
                 page_size: int | None = PAGE_SIZE) -> TaskPage:
    """The page `wanted.page` (from 1) of the tasks the actor may see that match `wanted`, on `day` for
    the status classes; `page_size` None gives every match on one page (the export). Raises
    ForbiddenError (a unit head asking for another unit), InvalidInputError (a month not understood)."""
    unit_id = visible_unit(actor, wanted.unit_id)
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    query = select(Task).where(Task.org_id == actor.org_id)
    if unit_id is not None:
        query = query.where(Task.owner_unit_id == unit_id)
    if wanted.status is not None:
        query = query.where(Task.status == wanted.status)
    elif wanted.status_class is None:
        query = query.where(Task.status != TaskStatus.CANCELLED)
    if wanted.status_class is not None:
        query = query.where(status_class_sql(day) == wanted.status_class.value, Task.status != TaskStatus.CANCELLED)
    if wanted.leader_id is not None:
        query = query.where(Task.supervising_leader_id == wanted.leader_id)
    if wanted.document_id is not None:
        query = query.where(Task.source_document_id == wanted.document_id)
    if wanted.month.strip():
        query = query.where(in_results_appendix(parse_month(wanted.month)))
    tasks = list(session.exec(query.order_by(col(Task.id))))
    words = fold(wanted.words)
    if words:
        tasks = [t for t in tasks if words in fold(f"{t.title} {t.expected_output} {t.deadline_text}")]
    tasks.sort(key=_sort_key(wanted.sort))
    return _page(tasks, wanted.page, page_size)


def _sort_key(sort: str) -> Callable[[Task], Any]:
    if sort == "newest":
        return lambda t: -(t.id or 0)
    if sort == "unit":
        return lambda t: (t.owner_unit_id, t.due_on is None, t.due_on or date.max, t.id)
    if sort == "title":
        return lambda t: (fold(t.title), t.id)
    return lambda t: (t.due_on is None, t.due_on or date.max, t.id)


def _page(tasks: list[Task], page: int, page_size: int | None) -> TaskPage:
    if page_size is None:
        return TaskPage(tasks=tasks, total=len(tasks), page=1, pages=1)
    pages = max(1, -(-len(tasks) // page_size))
    page = min(max(1, page), pages)
    start = (page - 1) * page_size
    return TaskPage(tasks=tasks[start:start + page_size], total=len(tasks), page=page, pages=pages)
