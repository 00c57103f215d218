"""When a ward's scheduled jobs are due, which of today's jobs a starting service still owes, and which
days a stopped service missed.

The scheduler in jobs/ is only an alarm clock: it asks this module for each ward's times, and at start-up
for what to run and what to record as missed. The database (JobRun) is the truth about what ran; the rules
of each job's days are tracker.jobdays'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import jobruns
from tracker.clock import Clock
from tracker.dates import as_date
from tracker.jobdays import JOBS, WardRules, first_time, not_due_reason, ward_rules
from tracker.models import JobRun, Organization

# Beyond a month a gap is an outage to report by hand, not a list of days to put in a digest.
MISSED_DAYS_LIMIT = 31


@dataclass(frozen=True)
class WardTimes:
    """A ward as the scheduler sees it: its keys and the rules of its days (policy, calendar, time zone)."""

    org_id: int
    key: str
    name: str
    rules: WardRules

    def local(self, instant: datetime) -> datetime:
        """`instant` on the ward's wall clock."""
        return self.rules.local(instant)


def ward_times(session: Session) -> list[WardTimes]:
    """Every ward in the database with the rules of its days, in the order they were created."""
    return [WardTimes(org_id=org.id or 0, key=org.key, name=org.name, rules=ward_rules(org))
            for org in session.exec(select(Organization).order_by(Organization.id))]


def owed_today(session: Session, *, ward: WardTimes, at: datetime) -> list[str]:
    """The jobs a service starting at `at` owes the ward now: their time today has passed, they would do
    their work now (a working day, their own day, office hours: tracker.jobdays.not_due_reason), and no
    JobRun of today exists for them (done, skipped, or held by another process), except the extension
    notices and any other repeatable job, which run whenever asked (their dedupe keys alone keep them
    idempotent)."""
    today = ward.rules.day_of(at)
    return [job for job, spec in JOBS.items()
            if ward.local(at).time() >= first_time(ward.rules, job) and not_due_reason(ward.rules, job, at) is None
            and (spec.repeatable or jobruns.status_of(session, org_id=ward.org_id, job=job, day=today) is None)]


def missed_days(session: Session, *, ward: WardTimes, today: date, limit: int = MISSED_DAYS_LIMIT) -> list[date]:
    """The working days on which the service did not run for the ward: after the last day that has any
    JobRun (done, skipped or left running) and before `today`, at most `limit` days back. A ward that never
    had a JobRun missed nothing (the service was never started for it). Once the days are recorded as
    skipped (`record_missed`), this finds none."""
    last = session.exec(
        select(sa.func.max(JobRun.day)).where(JobRun.org_id == ward.org_id, JobRun.day < today)
    ).one()
    if last is None:
        return []
    first = max(as_date(last) + timedelta(days=1), today - timedelta(days=limit))
    days = (first + timedelta(days=n) for n in range((today - first).days))
    return [day for day in days if ward.rules.calendar.is_working_day(day)]


def jobs_missed_on(ward: WardTimes, day: date) -> list[str]:
    """The jobs whose work was lost when the service did not run on `day`: those that would have run at
    their time that day (the weekly summary on its weekday, the results request on its day ...), except the
    extension notices, which the next run sends anyway."""
    missed = []
    for job, spec in JOBS.items():
        moment = datetime.combine(day, first_time(ward.rules, job), tzinfo=ward.rules.zone)
        if not spec.repeatable and not_due_reason(ward.rules, job, moment) is None:
            missed.append(job)
    return missed


def record_missed(session: Session, *, clock: Clock, ward: WardTimes, today: date) -> dict[date, list[str]]:
    """Record as skipped, for every missed day before `today`, the jobs that would have run: the next
    digest reports them (tracker.jobruns.skipped_since). Returns the jobs recorded per day. Idempotent.
    Does not commit."""
    recorded: dict[date, list[str]] = {}
    for day in missed_days(session, ward=ward, today=today):
        jobs = jobs_missed_on(ward, day)
        for job in jobs:
            jobruns.skip(session, clock=clock, org_id=ward.org_id, job=job, day=day,
                         detail="dịch vụ không chạy ngày này")
        recorded[day] = jobs
    return recorded
