"""The monthly request for results: each unit head gets the tasks that still miss the month's result."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.clock import Clock
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import dedupe_key, enqueue
from tracker.reminders import results_requests

KIND = "collect"


def run_collect(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    """Enqueue the month's results requests (tracker.reminders.results_requests), keyed (collect, person,
    month) so that a unit head is asked once a month; nothing unless the ward's day at `instant` is the
    request day. Returns the number of rows added. Does not commit."""
    day = ward_rules(org).day_of(instant)
    added = 0
    for request in results_requests(session, org=org, day=day):
        who = request.recipient
        month_label = f"{request.month[5:]}/{request.month[:4]}"
        body = render(KIND, name=who.name, unit_name=who.unit_name, month_label=month_label,
                      report_day=request.report_day, tasks=list(request.tasks))
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=who.person_id, kind=KIND, day=day,
                         body=body, key=dedupe_key(KIND, who.person_id, request.month))
    return added
