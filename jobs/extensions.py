"""Notices of extension decisions: the person who asked, and the unit head, learn the answer."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.clock import Clock
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import enqueue
from tracker.reminders import extension_notices

KIND = "extension"


def run_extensions(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    """Enqueue a notice for every decided extension request not announced yet
    (tracker.reminders.extension_notices), keyed extension:<request id>:<person id>, so each person hears of
    each decision once however often this runs. Returns the number of rows added. Does not commit."""
    day = ward_rules(org).day_of(instant)
    added = 0
    for notice in extension_notices(session, org=org, now=instant):
        body = render(KIND, name=notice.recipient.name, task_id=notice.task_id, task_title=notice.task_title,
                      approved=notice.approved, requested_due_on=notice.requested_due_on, due_on=notice.due_on,
                      decided_by=notice.decided_by, note=notice.note)
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=notice.recipient.person_id, kind=KIND,
                         day=day, body=body, key=notice.key)
    return added
