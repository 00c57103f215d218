"""Read-only use cases: lists of tasks, overdue tasks, and the report's status-class counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from tracker.access import Action, require
from tracker.errors import ForbiddenError
from tracker.models import Person, Role, Task, TaskStatus, Unit
from tracker.status import StatusClass, status_class_sql
from tracker.usecases.common import task_for
from tracker.usecases.units import list_units

OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.REPORTED_DONE)


def get_task(session: Session, *, actor: Person, task_id: int) -> Task:
    """One task the actor may see. Raises NotFoundError (also for another ward's) or ForbiddenError."""
    return task_for(session, actor=actor, task_id=task_id, action=Action.VIEW)


def visible_unit(actor: Person, unit_id: int | None) -> int | None:
    """The unit to restrict a list to: unit heads and members only ever see their own."""
    if actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        if unit_id is not None and unit_id != actor.unit_id:
            raise ForbiddenError(f"{actor.name} chỉ được xem nhiệm vụ của đơn vị mình.")
        return actor.unit_id
    return unit_id


def list_tasks(
    session: Session,
    *,
    actor: Person,
    unit_id: int | None = None,
    statuses: tuple[TaskStatus, ...] | None = None,
    overdue_on: date | None = None,
) -> list[Task]:
    """Tasks of the actor's ward, optionally of one unit, some statuses, or unfinished and past due
    on `overdue_on`; ordered by due date (none last) then id. Raises ForbiddenError."""
    unit_id = visible_unit(actor, unit_id)
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    query = select(Task).where(Task.org_id == actor.org_id)
    if unit_id is not None:
        query = query.where(Task.owner_unit_id == unit_id)
    if statuses:
        query = query.where(col(Task.status).in_(statuses))
    if overdue_on is not None:
        query = query.where(col(Task.status).in_(OPEN_STATUSES), col(Task.due_on) < overdue_on)
        query = query.where(Task.deadline_kind != "recurring", Task.assigned_on <= overdue_on)
    query = query.order_by(col(Task.due_on).is_(None), col(Task.due_on), col(Task.id))
    return list(session.exec(query))


@dataclass
class UnitCounts:
    unit: Unit
    counts: Counter[StatusClass] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class WardStats:
    """Counts per status class, per unit in appendix order, and for the whole ward, on one day."""

    day: date
    units: list[UnitCounts]

    @property
    def totals(self) -> Counter[StatusClass]:
        total: Counter[StatusClass] = Counter()
        for unit in self.units:
            total.update(unit.counts)
        return total


def ward_stats(session: Session, *, actor: Person, day: date) -> WardStats:
    """Classify every task of the ward (a unit head: of its unit) on `day`, counted by the database in
    one GROUP BY over the status-class expression."""
    unit_id = visible_unit(actor, None)
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    units = [u for u in list_units(session, org_id=actor.org_id) if unit_id in (None, u.id)]
    by_unit = {u.id: UnitCounts(unit=u) for u in units}
    status_class = status_class_sql(day)
    query = (
        select(Task.owner_unit_id, status_class, func.count())
        .where(Task.org_id == actor.org_id, Task.status != TaskStatus.CANCELLED, Task.assigned_on <= day)
        .group_by(Task.owner_unit_id, status_class)
    )
    if unit_id is not None:
        query = query.where(Task.owner_unit_id == unit_id)
    for owner, class_name, count in session.exec(query):
        if owner in by_unit:
            by_unit[owner].counts[StatusClass(class_name)] += count
    return WardStats(day=day, units=list(by_unit.values()))
