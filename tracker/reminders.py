"""What each unit head is owed by the clock: the daily reminder, the monthly request for results, and the
notice of a decided extension. Plain data for jobs/ to render; nothing here writes.

Rules of the daily reminder (design.md, Reminders):
- It goes to every active unit head of an active unit, on working days only, as one entry listing all of
  the unit's tasks that need attention that day, most urgent first.
- A task is reminded when it is open, has a due date in force and is not recurring: N working days before
  it for every N in policy.remind_before_working_days, on the day itself (policy.remind_on_due_day), and on
  every working day while it is overdue (policy.remind_overdue_every_working_day).
- A due date on a weekend or holiday counts as due on the working day before it.
- A default due date (the end of the meeting's month, given to a task the notice left without one) is a
  due date in force like any other: the appendix counts the task overdue after it, so the unit is told.
- Tasks reported done are not reminded: the unit has said it finished, and the task waits for the office
  or a leader to confirm it. Leaders still see them in their digest while they are overdue.
- Recurring tasks and tasks without a due date are never reminded.
- Working days are counted in (due date, today]: a task due on Friday is "quá hạn 1 ngày làm việc" on
  the following Monday."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.jobdays import WardRules, month_of, report_day, results_request_day, ward_rules
from tracker.models import (
    DeadlineKind,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    Organization,
    Person,
    Role,
    Task,
    TaskStatus,
    Unit,
)
from tracker.usecases.missing import missing_results_query
from tracker.workdays import WorkingDayCounter

OVERDUE, DUE_TODAY, UPCOMING = "overdue", "due_today", "upcoming"
# Decisions older than this are not announced any more, whatever happened to the service meanwhile.
EXTENSION_NOTICE_WINDOW = timedelta(days=30)


class TaskLine(NamedTuple):
    """One task in a message: its due date in force, why it is listed (`kind`: overdue, due_today,
    upcoming), the working days overdue or left, and the reason as the person reads it. A named tuple, not
    a dataclass: a morning run builds one per reminded task of every ward, and tuples are built cheaply."""

    task_id: int
    title: str
    unit_id: int
    due_on: date
    kind: str
    working_days: int
    reason: str
    awaiting_confirmation: bool = False
    due_is_default: bool = False


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    title: str
    unit_id: int | None
    unit_name: str


@dataclass(frozen=True)
class DailyReminder:
    """The day's reminder for one unit head, lines most urgent first (most overdue, then due soonest)."""

    recipient: Recipient
    day: date
    lines: tuple[TaskLine, ...]

    @property
    def counts(self) -> dict[str, int]:
        """How many lines of each kind (overdue, due_today, upcoming), for the message's first line."""
        counts = dict.fromkeys((OVERDUE, DUE_TODAY, UPCOMING), 0)
        for line in self.lines:
            counts[line.kind] += 1
        return counts


def overdue_reason(days: int) -> str:
    return f"quá hạn {days} ngày làm việc"


def reminder_due_dates(rules: WardRules, day: date) -> dict[date, tuple[str, int, bool]]:
    """The calendar due dates reminded on `day` (not counting overdue ones), with their kind, the working
    days left and whether the date is a day off: each target working day and the non-working days that
    follow it, since a deadline on a weekend or holiday counts as due on the working day before."""
    targets: dict[date, tuple[str, int]] = {}
    if rules.policy.remind_on_due_day:
        targets[day] = (DUE_TODAY, 0)
    for n in sorted(set(rules.policy.remind_before_working_days)):
        targets[rules.calendar.add_working_days(day, n)] = (UPCOMING, n)
    dates: dict[date, tuple[str, int, bool]] = {}
    for target, (kind, left) in targets.items():
        current = target
        while current == target or not rules.calendar.is_working_day(current):
            dates[current] = (kind, left, current != target)
            current += timedelta(days=1)
    return dates


_UNIT_HEADS = (
    sa.select(Person.id, Person.name, Person.title, Person.unit_id, Unit.name)
    .join(Unit, col(Unit.id) == Person.unit_id)
    .where(Person.org_id == sa.bindparam("org_id"), Person.role == Role.UNIT_HEAD, Person.active, Unit.active)
    .order_by(Unit.appendix_order, Unit.id, Person.id)
)


def unit_heads(session: Session, org_id: int) -> list[Recipient]:
    """Active unit heads of active units, in appendix order."""
    return [Recipient(*row) for row in session.connection().execute(_UNIT_HEADS, {"org_id": org_id})]


# Statements built once: they are the same for every ward and day, only its parameters change, and a morning
# run executes it once per ward.
_REMINDED_TASKS = (
    sa.select(Task.id, Task.title, Task.owner_unit_id, Task.due_on, Task.due_is_default)
    .where(Task.org_id == sa.bindparam("org_id"), Task.status == TaskStatus.OPEN,
           Task.deadline_kind != DeadlineKind.RECURRING, col(Task.due_on).is_not(None),
           Task.assigned_on <= sa.bindparam("day", type_=sa.Date),
           sa.or_(col(Task.due_on).in_(sa.bindparam("dates", expanding=True, type_=sa.Date)),
                  sa.and_(sa.bindparam("overdue", type_=sa.Boolean), col(Task.due_on) < sa.bindparam("day"))))
)


def daily_reminders(session: Session, *, org: Organization, day: date) -> list[DailyReminder]:
    """Every unit head's reminder for `day` (see the module's rules); none on a non-working day, and none
    for a head whose unit has nothing to be reminded of. Reads the ward's tasks in one query."""
    rules = ward_rules(org)
    if not rules.calendar.is_working_day(day):
        return []
    heads = unit_heads(session, org.id or 0)
    if not heads:
        return []
    dates = reminder_due_dates(rules, day)
    params = {"org_id": org.id, "day": day, "dates": sorted(dates),
              "overdue": rules.policy.remind_overdue_every_working_day}
    rows = session.connection().execute(_REMINDED_TASKS, params).all()
    counter = WorkingDayCounter(rules.calendar, min((r[3] for r in rows), default=day), day)
    by_unit: dict[int, list[TaskLine]] = defaultdict(list)
    for task_id, title, unit_id, due_on, default in rows:
        by_unit[unit_id].append(_line(task_id, title, unit_id, due_on, default, dates, counter))
    for lines in by_unit.values():
        lines.sort(key=lambda line: (line.due_on, line.task_id))
    return [DailyReminder(head, day, tuple(by_unit[head.unit_id or 0])) for head in heads if by_unit[head.unit_id or 0]]


def _line(task_id: int, title: str, unit_id: int, due_on: date, default: bool,
          dates: dict[date, tuple[str, int, bool]], counter: WorkingDayCounter) -> TaskLine:
    if due_on < counter.day:
        days = counter.since(due_on)
        return TaskLine(task_id, title, unit_id, due_on, OVERDUE, days, overdue_reason(days), due_is_default=default)
    kind, left, day_off = dates[due_on]
    reason = "đến hạn hôm nay" if kind == DUE_TODAY else f"còn {left} ngày làm việc"
    if day_off:
        reason += " (hạn rơi vào ngày nghỉ)"
    return TaskLine(task_id, title, unit_id, due_on, kind, left, reason, due_is_default=default)


@dataclass(frozen=True)
class ResultsRequest:
    """A unit head asked for the month's results of the tasks that have none yet."""

    recipient: Recipient
    month: str
    report_day: date
    tasks: tuple[Task, ...]


def results_requests(session: Session, *, org: Organization, day: date) -> list[ResultsRequest]:
    """On the ward's results-request day of the month (jobdays.results_request_day), one request per unit
    head whose unit has tasks missing a result for the month; none on any other day. One query."""
    rules = ward_rules(org)
    if day != results_request_day(rules, day.year, day.month):
        return []
    month = month_of(day)
    missing: dict[int, list[Task]] = defaultdict(list)
    for task in session.exec(missing_results_query(org.id or 0, month)):
        missing[task.owner_unit_id].append(task)
    due = report_day(rules, day.year, day.month)
    return [ResultsRequest(head, month, due, tuple(missing[head.unit_id or 0]))
            for head in unit_heads(session, org.id or 0) if missing[head.unit_id or 0]]


@dataclass(frozen=True)
class ExtensionNotice:
    """A decided extension to announce to one person; `key` is its outbox dedupe key."""

    key: str
    request_id: int
    recipient: Recipient
    task_id: int
    task_title: str
    approved: bool
    requested_due_on: date
    due_on: date | None
    decided_by: str
    note: str
    is_requester: bool


def extension_key(request_id: int, person_id: int) -> str:
    return f"extension:{request_id}:{person_id}"


def extension_notices(session: Session, *, org: Organization, now: datetime) -> list[ExtensionNotice]:
    """Notices owed for extension requests decided (approved or refused) in the last EXTENSION_NOTICE_WINDOW
    and not announced yet (no outbox row with their key): one to the person who asked, and one to each
    active head of the task's unit who is someone else."""
    decided = session.exec(
        select(ExtensionRequest, Task).join(Task, col(Task.id) == ExtensionRequest.task_id)
        .where(ExtensionRequest.org_id == org.id,
               col(ExtensionRequest.status).in_((ExtensionStatus.APPROVED, ExtensionStatus.REFUSED)),
               col(ExtensionRequest.decided_at) >= now - EXTENSION_NOTICE_WINDOW)
        .order_by(ExtensionRequest.id)
    ).all()
    if not decided:
        return []
    people = {p.id: p for p in session.exec(select(Person).where(Person.org_id == org.id))}
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.org_id == org.id))}
    heads: dict[int, list[Recipient]] = defaultdict(list)
    for head in unit_heads(session, org.id or 0):
        heads[head.unit_id or 0].append(head)
    notices = [
        notice for request, task in decided
        for notice in _notices(request, task, people, units, heads[task.owner_unit_id])
    ]
    sent = set(session.exec(select(Notification.dedupe_key).where(
        Notification.org_id == org.id, col(Notification.dedupe_key).in_([n.key for n in notices]))))
    return [n for n in notices if n.key not in sent]


def _notices(request: ExtensionRequest, task: Task, people: dict, units: dict,
             heads: list[Recipient]) -> list[ExtensionNotice]:
    decider = people.get(request.decided_by_id)
    unit = units.get(task.owner_unit_id)
    recipients: list[tuple[Recipient, bool]] = []
    requester = people.get(request.requested_by_id)
    if requester is not None and requester.active:
        recipients.append((Recipient(requester.id or 0, requester.name, requester.title, requester.unit_id,
                                     unit.name if unit else ""), True))
    recipients += [(head, False) for head in heads if head.person_id != request.requested_by_id]
    return [
        ExtensionNotice(
            key=extension_key(request.id or 0, who.person_id), request_id=request.id or 0, recipient=who,
            task_id=task.id or 0, task_title=task.title, approved=request.status == ExtensionStatus.APPROVED,
            requested_due_on=request.requested_due_on, due_on=task.due_on,
            decided_by=f"{decider.title} {decider.name}".strip() if decider else "", note=request.decision_note,
            is_requester=is_requester,
        )
        for who, is_requester in recipients
    ]
