"""What leaders and the office are owed by the clock: the daily overdue digest and the weekly summary.
Plain data for jobs/ to render; nothing here writes.

Who sees which units: each leader the units they supervise (Unit.supervising_leader_id); a leader whose
title starts with "Chủ tịch" (the chairman, not a "Phó Chủ tịch") and every office person see all units.
The digest lists the overdue tasks (open, or reported done and still awaiting confirmation), those overdue
for more than policy.escalate_after_overdue_working_days working days first, then the rest, each group in
appendix order of their units and most overdue first; then the units whose head cannot be reached by chat,
the working days the service missed since the last digest (the jobs that had work that day and whose
messages were lost), and for the office the failed messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.access import is_chairman
from tracker.dates import as_date
from tracker.jobdays import JOBS, WardRules, is_weekly_day, job_due_on, ward_rules
from tracker.jobruns import skipped_since
from tracker.models import (
    ChatIdentity,
    DeadlineKind,
    Notification,
    NotificationStatus,
    Organization,
    Person,
    Role,
    Task,
    TaskStatus,
    Unit,
)
from tracker.reminders import OVERDUE, Recipient, TaskLine, overdue_reason
from tracker.status import StatusClass
from tracker.usecases.queries import ward_stats
from tracker.usecases.units import list_units
from tracker.workdays import WorkingDayCounter


@dataclass(frozen=True)
class SkippedDay:
    day: date
    jobs: tuple[str, ...]


@dataclass(frozen=True)
class LeaderDigest:
    """One person's digest of `day`. `failed_messages` is None for anyone but office staff."""

    recipient: Recipient
    day: date
    escalate_after: int
    escalated: tuple[TaskLine, ...]
    overdue: tuple[TaskLine, ...]
    unit_names: dict[int, str]
    unreachable_units: tuple[str, ...]
    skipped: tuple[SkippedDay, ...]
    failed_messages: int | None

    @property
    def empty(self) -> bool:
        return not (self.escalated or self.overdue or self.unreachable_units or self.skipped
                    or self.failed_messages)

    def unit_counts(self) -> list[tuple[str, int, int]]:
        """(unit name, overdue tasks, of which escalated) for every unit with overdue tasks, in appendix order."""
        total: dict[int, int] = defaultdict(int)
        escalated: dict[int, int] = defaultdict(int)
        for line in self.escalated:
            escalated[line.unit_id] += 1
        for line in (*self.escalated, *self.overdue):
            total[line.unit_id] += 1
        return [(name, total[uid], escalated[uid]) for uid, name in self.unit_names.items() if total[uid]]


def _readers(session: Session, org_id: int, roles: tuple[Role, ...]) -> list[Person]:
    query = select(Person).where(Person.org_id == org_id, Person.active, col(Person.role).in_(roles))
    return list(session.exec(query.order_by(Person.role, Person.id)))


def _units_seen(person: Person, units: list[Unit]) -> list[Unit]:
    if person.role == Role.OFFICE or is_chairman(person):
        return units
    return [u for u in units if u.supervising_leader_id == person.id]


def leader_digests(session: Session, *, org: Organization, day: date) -> list[LeaderDigest]:
    """The digest of `day` for every active leader and office person of the ward; none on a non-working day.
    Digests with nothing to say are left out. A fixed number of queries per ward, whatever its size."""
    rules = ward_rules(org)
    if not rules.calendar.is_working_day(day):
        return []
    org_id = org.id or 0
    units = list_units(session, org_id=org_id)
    overdue = _overdue_lines(session, org_id, day, rules.calendar)
    reachable = _units_with_reachable_head(session, org_id)
    skipped = _skipped(session, rules, org_id, day)
    failed = session.exec(select(sa.func.count()).select_from(Notification).where(
        Notification.org_id == org_id, Notification.status == NotificationStatus.FAILED)).one()
    limit = rules.policy.escalate_after_overdue_working_days
    digests = []
    for person in _readers(session, org_id, (Role.LEADER, Role.OFFICE)):
        seen = _units_seen(person, units)
        lines = [line for unit in seen for line in overdue.get(unit.id or 0, [])]
        digest = LeaderDigest(
            recipient=Recipient(person.id or 0, person.name, person.title, person.unit_id, ""), day=day,
            escalate_after=limit, escalated=tuple(line for line in lines if line.working_days > limit),
            overdue=tuple(line for line in lines if line.working_days <= limit),
            unit_names={u.id or 0: u.name for u in seen},
            unreachable_units=tuple(u.name for u in seen if u.id not in reachable), skipped=skipped,
            failed_messages=int(failed) if person.role == Role.OFFICE else None,
        )
        if not digest.empty:
            digests.append(digest)
    return digests


def _overdue_lines(session: Session, org_id: int, day: date, calendar) -> dict[int, list[TaskLine]]:  # type: ignore[no-untyped-def]
    query = (
        select(Task.id, Task.title, Task.owner_unit_id, Task.due_on, Task.status, Task.due_is_default)
        .where(Task.org_id == org_id, col(Task.status).in_((TaskStatus.OPEN, TaskStatus.REPORTED_DONE)),
               Task.deadline_kind != DeadlineKind.RECURRING, col(Task.due_on) < day, Task.assigned_on <= day)
    )
    rows = session.exec(query).all()
    counter = WorkingDayCounter(calendar, min((r[3] for r in rows), default=day), day)
    by_unit: dict[int, list[TaskLine]] = defaultdict(list)
    for task_id, title, unit_id, due_on, status, default in rows:
        days = counter.since(due_on)
        waiting = status == TaskStatus.REPORTED_DONE
        reason = overdue_reason(days) + (", đơn vị báo đã xong, chờ xác nhận" if waiting else "")
        by_unit[unit_id].append(TaskLine(task_id, title, unit_id, due_on, OVERDUE, days, reason, waiting, default))
    for lines in by_unit.values():
        lines.sort(key=lambda line: (line.due_on, line.task_id))
    return by_unit


def _units_with_reachable_head(session: Session, org_id: int) -> set[int]:
    query = (
        select(Person.unit_id).join(ChatIdentity, col(ChatIdentity.person_id) == Person.id)
        .where(Person.org_id == org_id, Person.role == Role.UNIT_HEAD, Person.active, ChatIdentity.active,
               col(ChatIdentity.unreachable_at).is_(None))
        .distinct()
    )
    return {unit_id for unit_id in session.exec(query) if unit_id is not None}


def _skipped(session: Session, rules: WardRules, org_id: int, day: date) -> tuple[SkippedDay, ...]:
    # Only what was lost: a job that had nothing to do that day, or a repeatable one such as the extension
    # notices (sent late, not lost: a decision is announced for a month), is not worth a leader's attention.
    jobs: dict[date, list[str]] = defaultdict(list)
    for run in skipped_since(session, org_id=org_id, job="digest", today=day):
        run_day = as_date(run.day)
        if run.job in JOBS and not JOBS[run.job].repeatable and job_due_on(rules, run.job, run_day):
            jobs[run_day].append(run.job)
    order = list(JOBS)
    return tuple(SkippedDay(d, tuple(sorted(js, key=order.index))) for d, js in sorted(jobs.items()))


@dataclass(frozen=True)
class DoneLine:
    task_id: int
    title: str
    unit_id: int
    finished_on: date
    on_time: bool


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int
    unit_name: str
    counts: dict[StatusClass, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WeeklySummary:
    """A leader's weekly summary: status-class counts per unit on `day`, and what was finished (confirmed
    done) from `week_start` to `week_end`, the previous Monday to Sunday."""

    recipient: Recipient
    day: date
    week_start: date
    week_end: date
    units: tuple[UnitProgress, ...]
    done_last_week: tuple[DoneLine, ...]

    @property
    def totals(self) -> dict[StatusClass, int]:
        total: dict[StatusClass, int] = defaultdict(int)
        for unit in self.units:
            for status_class, count in unit.counts.items():
                total[status_class] += count
        return dict(total)


def weekly_summaries(session: Session, *, org: Organization, day: date) -> list[WeeklySummary]:
    """The summary of `day` for every active leader whose units hold at least one task, counted with
    tracker.usecases.ward_stats (as a leader: the whole ward); none unless `day` is the summary's day
    (jobdays.is_weekly_day)."""
    if not is_weekly_day(ward_rules(org), day):
        return []
    week_start = day - timedelta(days=day.weekday() + 7)
    week_end = week_start + timedelta(days=6)
    done = _done_between(session, org.id or 0, week_start, week_end)
    leaders = _readers(session, org.id or 0, (Role.LEADER,))
    # Every leader sees the whole ward in ward_stats, so one count serves them all; each keeps their units.
    stats = ward_stats(session, actor=leaders[0], day=day) if leaders else None
    summaries = []
    for leader in leaders:
        assert stats is not None
        seen = {u.id for u in _units_seen(leader, [c.unit for c in stats.units])}
        units = tuple(UnitProgress(c.unit.id or 0, c.unit.name, dict(c.counts)) for c in stats.units
                      if c.unit.id in seen and c.total)
        if units:
            who = Recipient(leader.id or 0, leader.name, leader.title, None, "")
            summaries.append(WeeklySummary(who, day, week_start, week_end, units,
                                           tuple(line for line in done if line.unit_id in seen)))
    return summaries


def _done_between(session: Session, org_id: int, first: date, last: date) -> list[DoneLine]:
    query = (
        select(Task.id, Task.title, Task.owner_unit_id, Task.finished_on, Task.due_on)
        .join(Unit, col(Unit.id) == Task.owner_unit_id)
        .where(Task.org_id == org_id, Task.status == TaskStatus.DONE, col(Task.finished_on).between(first, last))
        .order_by(Unit.appendix_order, col(Task.finished_on), col(Task.id))
    )
    return [DoneLine(task_id, title, unit_id, finished, due is None or finished <= due)
            for task_id, title, unit_id, finished, due in session.exec(query)]
