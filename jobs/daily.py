"""The daily reminder: one message per unit head listing every task of the unit that needs attention."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.clock import Clock
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import enqueue
from tracker.reminders import daily_reminders

KIND = "daily"


def run_daily(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    """Enqueue the day's reminders of the ward as of `instant` (tracker.reminders.daily_reminders), one per
    unit head, keyed (daily, person, day): running it again for the same day adds nothing. Returns the
    number of rows added; nothing on a non-working day. Does not commit."""
    day = ward_rules(org).day_of(instant)
    added = 0
    for reminder in daily_reminders(session, org=org, day=day):
        who = reminder.recipient
        body = render(KIND, day=day, name=who.name, unit_name=who.unit_name, lines=list(reminder.lines),
                      counts=reminder.counts)
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=who.person_id, kind=KIND, day=day,
                         body=body)
    return added
