"""A scheduled job that exists only in the tests, written as a new job of the project would be: this one
module, its template (tests/templates/month_end.txt.j2), one row in tracker.jobdays.JOBS and its function
in jobs.runner.JOB_FUNCTIONS. It asks the office, on the month's last working day, to close the month's
figures."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time

from sqlmodel import Session

from tracker.chat_notices import office_readers
from tracker.clock import Clock
from tracker.jobdays import JobSpec, WardRules, ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import enqueue

KIND = "month_end"


def is_last_working_day(rules: WardRules, day: date) -> bool:
    last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day == rules.calendar.working_day_on_or_before(last)


SPEC = JobSpec("nhắc chốt số liệu cuối tháng", lambda policy: (time(16, 0),), own_day=is_last_working_day)


def run_month_end(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    day = ward_rules(org).day_of(instant)
    added = 0
    for reader in office_readers(session, org.id or 0):
        body = render(KIND, name=reader.name, day=day)
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=reader.id or 0, kind=KIND, day=day,
                         body=body)
    return added
