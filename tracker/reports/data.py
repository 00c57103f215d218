"""The month's appendices and figures, read from the database as plain data (tracker.reports.model).

Callers check who may ask (tracker.usecases.reports); this module only reads."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.models import DeadlineKind, Task, TaskStatus, Unit, Update
from tracker.reports.model import Appendix, AppendixKind, AppendixRow, AppendixUnit, PeriodFigures
from tracker.reports.selection import in_plan_appendix, in_results_appendix, month_bounds, parse_month
from tracker.status import StatusClass, TaskFacts, classify

DONE_FORECAST = "Hoàn thành"


@dataclass(frozen=True)
class ReportHeader:
    """What the title block needs besides the month: the report's number and date, dots when None."""

    ward_name: str
    report_number: str | None = None
    report_date: date | None = None


def appendix_tasks(session: Session, org_id: int, condition: sa.ColumnElement[bool]) -> list[tuple[Task, Unit]]:
    """The ward's tasks meeting `condition`, with their unit, in appendix order: units by their configured
    order, then tasks in the order they were entered (a notice's order, an imported table's order)."""
    query = (
        select(Task, Unit).join(Unit, col(Unit.id) == Task.owner_unit_id)
        .where(Task.org_id == org_id, condition)
        .order_by(Unit.appendix_order, Unit.id, col(Task.id))
    )
    return list(session.exec(query).all())


def results_appendix(
    session: Session, *, org_id: int, month: str, header: ReportHeader, until: date | None = None,
) -> Appendix:
    """Phụ lục 1 of `month`: the tasks of the month (tracker.reports.selection) with the results, forecasts
    and recommendations of the month's updates; forecast "Hoàn thành" for a task confirmed done (by
    `until`, the report's cut-off day, when given)."""
    month = parse_month(month)
    pairs = appendix_tasks(session, org_id, in_results_appendix(month))
    updates = _updates_until(session, [task.id or 0 for task, _ in pairs], month)
    names = _unit_names(session, org_id)

    def row(number: str, task: Task) -> AppendixRow:
        own = updates.get(task.id or 0, [])
        this_month = [u for u in own if u.month == month]
        return AppendixRow(
            number=number, title=task.title, expected_output=task.expected_output, deadline=deadline_as_written(task),
            result=_joined(u.result_text for u in this_month), forecast=_forecast(task, own, until),
            recommendation=_joined(u.recommendation for u in this_month), coordinating=_coordinating(task, names),
            task_id=task.id,
        )

    return _appendix(AppendixKind.RESULTS, "1", month, header, pairs, row)


def plan_appendix(session: Session, *, org_id: int, month: str, header: ReportHeader) -> Appendix:
    """Phụ lục 5, the plan for `month`: the tasks still to be done in it, with their coordinating units."""
    month = parse_month(month)
    pairs = appendix_tasks(session, org_id, in_plan_appendix(month))
    names = _unit_names(session, org_id)

    def row(number: str, task: Task) -> AppendixRow:
        return AppendixRow(number=number, title=task.title, expected_output=task.expected_output,
                           deadline=deadline_as_written(task), coordinating=_coordinating(task, names),
                           task_id=task.id)

    return _appendix(AppendixKind.PLAN, "5", month, header, pairs, row)


def period_figures(session: Session, *, org_id: int, month: str, until: date) -> PeriodFigures:
    """The status-class counts of month `month`'s Phụ lục 1 tasks on `until` (the end of the reporting
    period): what the report's text says in "tổng số nhiệm vụ ... Trong đó: ...". Tasks assigned after
    `until` are not counted yet."""
    month = parse_month(month)
    first, _ = month_bounds(month)
    counts: dict[StatusClass, int] = defaultdict(int)
    by_unit: dict[str, int] = defaultdict(int)
    for task, unit in appendix_tasks(session, org_id, in_results_appendix(month)):
        facts = TaskFacts.of(task)
        status_class = classify(facts, until)
        if status_class is not None:
            counts[status_class] += 1
            by_unit[unit.name] += 1
    return PeriodFigures(
        start=first, until=until, total=sum(counts.values()),
        done_on_time=counts[StatusClass.DONE_ON_TIME], done_no_deadline=counts[StatusClass.DONE_NO_DEADLINE],
        done_late=counts[StatusClass.DONE_LATE], in_progress_on_time=counts[StatusClass.IN_PROGRESS_ON_TIME],
        in_progress_overdue=counts[StatusClass.IN_PROGRESS_OVERDUE], recurring=counts[StatusClass.RECURRING],
        by_unit=dict(by_unit),
    )


def deadline_as_written(task: Task) -> str:
    """The Thời hạn cell: the deadline as the document wrote it; a date when only a date was entered; the
    month for a default deadline; and the new date when an approved extension moved it."""
    if task.deadline_text:
        text = task.deadline_text
    elif task.due_on is None:
        text = "Thường xuyên" if task.deadline_kind == DeadlineKind.RECURRING else ""
    elif task.due_is_default:
        text = f"Tháng {task.due_on.month}/{task.due_on.year}"
    else:
        text = f"{task.due_on.day:02d}/{task.due_on.month:02d}/{task.due_on.year}"
    extended = task.original_due_on is not None and task.due_on is not None and task.due_on != task.original_due_on
    if extended and task.deadline_text:
        assert task.due_on is not None
        text += f" (gia hạn đến {task.due_on.day:02d}/{task.due_on.month:02d}/{task.due_on.year})"
    return text


def _appendix(kind: AppendixKind, label: str, month: str, header: ReportHeader,
              pairs: Sequence[tuple[Task, Unit]], row) -> Appendix:  # type: ignore[no-untyped-def]
    grouped: dict[int, list[Task]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for task, unit in pairs:
        grouped[unit.id or 0].append(task)
        units[unit.id or 0] = unit
    groups = tuple(
        AppendixUnit(number=n, name=units[unit_id].name,
                     rows=tuple(row(f"{n}.{i}", task) for i, task in enumerate(tasks, start=1)))
        for n, (unit_id, tasks) in enumerate(grouped.items(), start=1)
    )
    return Appendix(kind=kind, label=label, year=int(month[:4]), month=int(month[5:]), ward_name=header.ward_name,
                    units=groups, report_number=header.report_number, report_date=header.report_date,
                    place=place_name(header.ward_name))


def place_name(ward_name: str) -> str:
    """The place a ward's documents are dated from: "Phường Phù Liễn" → "Phù Liễn"."""
    return re.sub(r"^(?:Phường|Xã|Thị trấn)\s+", "", ward_name.strip(), flags=re.IGNORECASE)


def _updates_until(session: Session, task_ids: list[int], month: str) -> dict[int, list[Update]]:
    """Each task's updates of `month` and before, oldest first (the forecast is the latest one given)."""
    found: dict[int, list[Update]] = defaultdict(list)
    for chunk in _chunks(task_ids, 500):
        query = (select(Update).where(col(Update.task_id).in_(chunk), Update.month <= month)
                 .order_by(col(Update.created_at), col(Update.id)))
        for update in session.exec(query):
            found[update.task_id].append(update)
    return found


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    # Keeps every IN list under SQLite's limit of bound parameters, whatever the ward's size.
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _forecast(task: Task, updates: list[Update], until: date | None) -> str:
    finished = task.status == TaskStatus.DONE and (until is None or (task.finished_on or until) <= until)
    if finished:
        return DONE_FORECAST
    return next((u.forecast for u in reversed(updates) if u.forecast.strip()), "")


def _joined(texts: Iterable[str]) -> str:
    # The same sentence reported twice (a message sent again) is written once.
    return "\n".join(dict.fromkeys(t.strip() for t in texts if t and t.strip()))


def _unit_names(session: Session, org_id: int) -> dict[int, str]:
    return {u.id or 0: u.name for u in session.exec(select(Unit).where(Unit.org_id == org_id))}


def _coordinating(task: Task, names: dict[int, str]) -> str:
    named = [names[u] for u in task.coordinating_unit_ids if u in names]
    return "; ".join([*named, *task.outside_bodies])
