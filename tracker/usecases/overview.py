"""What leaders and the office ask the chat for at a glance: the ward's overdue tasks by unit, with those
overdue past the ward's escalation threshold marked, and the month's tasks still without a result by unit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.errors import ForbiddenError
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person, Role, Task, Unit
from tracker.usecases.missing import tasks_missing_results
from tracker.usecases.queries import list_tasks
from tracker.usecases.units import list_units
from tracker.workdays import WorkingDayCounter


@dataclass(frozen=True)
class OverdueTask:
    """A task past due on the day asked, by how many working days, and whether that is past the threshold."""

    task: Task
    working_days: int
    escalated: bool


@dataclass(frozen=True)
class UnitTasks:
    """One unit and its tasks of a summary, in the summary's order."""

    unit: Unit
    tasks: list[OverdueTask]

    @property
    def escalated(self) -> int:
        """How many of the unit's tasks are past the escalation threshold."""
        return sum(t.escalated for t in self.tasks)


@dataclass(frozen=True)
class OverdueSummary:
    """The ward's overdue tasks on `day` by unit: units with an escalated task first (most escalated first),
    then the others, each in appendix order; within a unit the most overdue first."""

    day: date
    escalate_after: int
    units: list[UnitTasks]

    @property
    def total(self) -> int:
        return sum(len(u.tasks) for u in self.units)

    @property
    def escalated(self) -> int:
        return sum(u.escalated for u in self.units)


def _ward_wide(actor: Person) -> None:
    if actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        raise ForbiddenError(f"{actor.name} chỉ được xem nhiệm vụ của đơn vị mình.")


def ward_overdue(session: Session, *, actor: Person, day: date) -> OverdueSummary:
    """The ward's unfinished tasks past due on `day` (tracker.usecases.queries.list_tasks' overdue filter),
    counted in the ward's working days and marked escalated beyond policy.escalate_after_overdue_working_days,
    as the leaders' digest does. Raises ForbiddenError for unit heads and members (their own unit's list is
    /quahan) and for people of another ward."""
    _ward_wide(actor)
    tasks = list_tasks(session, actor=actor, overdue_on=day)
    org = session.get(Organization, actor.org_id)
    assert org is not None  # list_tasks checked the actor's ward
    rules = ward_rules(org)
    limit = rules.policy.escalate_after_overdue_working_days
    counter = WorkingDayCounter(rules.calendar, min((t.due_on for t in tasks if t.due_on), default=day), day)
    by_unit: dict[int, list[OverdueTask]] = defaultdict(list)
    for task in tasks:
        days = counter.since(task.due_on) if task.due_on else 0
        by_unit[task.owner_unit_id].append(OverdueTask(task, days, days > limit))
    units = [UnitTasks(u, sorted(by_unit[u.id or 0], key=lambda t: (-t.working_days, t.task.id or 0)))
             for u in list_units(session, org_id=actor.org_id, include_inactive=True) if by_unit.get(u.id or 0)]
    units.sort(key=lambda u: -u.escalated)  # stable: appendix order within each group
    return OverdueSummary(day=day, escalate_after=limit, units=units)


def missing_by_unit(session: Session, *, actor: Person, month: str) -> list[UnitTasks]:
    """The tasks of `month`'s Phụ lục 1 without a result for it (tracker.usecases.missing), grouped by unit in
    appendix order (units with none left out; OverdueTask.working_days is 0). Raises ForbiddenError for unit
    heads and members, InvalidInputError for a malformed month."""
    _ward_wide(actor)
    tasks = tasks_missing_results(session, actor=actor, month=month)
    by_unit: dict[int, list[OverdueTask]] = defaultdict(list)
    for task in tasks:
        by_unit[task.owner_unit_id].append(OverdueTask(task, 0, False))
    return [UnitTasks(u, by_unit[u.id or 0])
            for u in list_units(session, org_id=actor.org_id, include_inactive=True) if by_unit.get(u.id or 0)]
