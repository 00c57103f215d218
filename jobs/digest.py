"""The leaders' daily digest: what is overdue in the units each leader follows, and what went wrong."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.clock import Clock
from tracker.digests import leader_digests
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import enqueue

KIND = "digest"


def run_digest(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    """Enqueue the day's digest (tracker.digests.leader_digests) for every leader and office person who has
    something to read, keyed (digest, person, day). Returns the number of rows added. Does not commit."""
    day = ward_rules(org).day_of(instant)
    added = 0
    for digest in leader_digests(session, org=org, day=day):
        body = render(
            KIND, day=day, name=digest.recipient.name, escalated=list(digest.escalated),
            overdue=list(digest.overdue), escalate_after=digest.escalate_after, unit_names=digest.unit_names,
            unit_counts=digest.unit_counts(),
            unreachable_units=list(digest.unreachable_units), skipped=list(digest.skipped),
            failed_messages=digest.failed_messages,
        )
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=digest.recipient.person_id, kind=KIND,
                         day=day, body=body)
    return added
