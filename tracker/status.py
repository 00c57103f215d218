"""The status classes of the monthly reports, computed for a task on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa

from tracker.models import DeadlineKind, Task, TaskStatus


class StatusClass(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    DONE_NO_DEADLINE = "done_no_deadline"
    IN_PROGRESS_ON_TIME = "in_progress_on_time"
    IN_PROGRESS_OVERDUE = "in_progress_overdue"
    RECURRING = "recurring"


STATUS_CLASS_LABELS = {
    StatusClass.DONE_ON_TIME: "hoàn thành đúng hạn",
    StatusClass.DONE_LATE: "hoàn thành quá hạn",
    StatusClass.DONE_NO_DEADLINE: "hoàn thành không có hạn",
    StatusClass.IN_PROGRESS_ON_TIME: "đang thực hiện trong hạn",
    StatusClass.IN_PROGRESS_OVERDUE: "đang thực hiện quá hạn",
    StatusClass.RECURRING: "thường xuyên",
}


@dataclass(frozen=True)
class TaskFacts:
    """The few columns classification needs, so a whole ward can be classified from one narrow query."""

    status: str
    deadline_kind: str
    due_on: date | None
    assigned_on: date
    finished_on: date | None

    @classmethod
    def of(cls, task: Task) -> TaskFacts:
        """The facts of a stored task."""
        return cls(task.status, task.deadline_kind, task.due_on, task.assigned_on, task.finished_on)


def classify(task: TaskFacts, day: date) -> StatusClass | None:
    """The task's class on `day`, or None when it does not count that day (cancelled, not yet assigned).

    A task counts as finished only once office staff or a leader confirmed it (status done), and then
    from the day the unit finished it. "On time" compares with the due date in force, extensions included.
    """
    if task.status == TaskStatus.CANCELLED or task.assigned_on > day:
        return None
    finished = task.status == TaskStatus.DONE and task.finished_on is not None and task.finished_on <= day
    if finished:
        if task.due_on is None:
            return StatusClass.DONE_NO_DEADLINE
        assert task.finished_on is not None
        return StatusClass.DONE_ON_TIME if task.finished_on <= task.due_on else StatusClass.DONE_LATE
    if task.deadline_kind == DeadlineKind.RECURRING:
        return StatusClass.RECURRING
    if task.due_on is not None and day > task.due_on:
        return StatusClass.IN_PROGRESS_OVERDUE
    return StatusClass.IN_PROGRESS_ON_TIME


def status_class_sql(day: date) -> sa.ColumnElement[str]:
    """The same rule as `classify`, as a SQL expression over the task table, so that a whole ward is
    counted by one GROUP BY in the database. Rows `classify` maps to None must be filtered out by the
    caller (status cancelled, assigned after `day`). A test checks that both forms agree."""
    finished = sa.and_(Task.status == TaskStatus.DONE, Task.finished_on.is_not(None), Task.finished_on <= day)
    return sa.case(
        (sa.and_(finished, Task.due_on.is_(None)), StatusClass.DONE_NO_DEADLINE.value),
        (sa.and_(finished, Task.finished_on <= Task.due_on), StatusClass.DONE_ON_TIME.value),
        (finished, StatusClass.DONE_LATE.value),
        (Task.deadline_kind == DeadlineKind.RECURRING, StatusClass.RECURRING.value),
        (sa.and_(Task.due_on.is_not(None), Task.due_on < day), StatusClass.IN_PROGRESS_OVERDUE.value),
        else_=StatusClass.IN_PROGRESS_ON_TIME.value,
    )

