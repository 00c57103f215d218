"""The weekly summary for leaders: progress per unit and what was finished last week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker.clock import Clock
from tracker.digests import UnitProgress, weekly_summaries
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization
from tracker.outbox import enqueue
from tracker.status import StatusClass

KIND = "weekly"


def run_weekly(session: Session, clock: Clock, *, org: Organization, instant: datetime) -> int:
    """Enqueue the weekly summaries (tracker.digests.weekly_summaries) keyed (weekly, person, day); nothing
    unless the ward's day at `instant` is its summary day. Returns the number of rows added. Does not commit."""
    day = ward_rules(org).day_of(instant)
    added = 0
    for summary in weekly_summaries(session, org=org, day=day):
        units = [_figures(unit) for unit in summary.units]
        totals = {key: sum(u[key] for u in units) for key in ("total", "in_progress", "overdue", "done", "done_late",
                                                              "recurring")}
        body = render(KIND, day=day, name=summary.recipient.name, units=units, totals=totals,
                      week_start=summary.week_start, week_end=summary.week_end,
                      done_last_week=list(summary.done_last_week),
                      unit_names={u.unit_id: u.unit_name for u in summary.units})
        added += enqueue(session, clock=clock, org_id=org.id or 0, person_id=summary.recipient.person_id, kind=KIND,
                         day=day, body=body)
    return added


def _figures(unit: UnitProgress) -> dict[str, Any]:
    # How the message groups the report's status classes; the classes themselves come from tracker.status.
    c = unit.counts
    overdue = c.get(StatusClass.IN_PROGRESS_OVERDUE, 0)
    in_progress = c.get(StatusClass.IN_PROGRESS_ON_TIME, 0) + overdue
    done_late = c.get(StatusClass.DONE_LATE, 0)
    done = c.get(StatusClass.DONE_ON_TIME, 0) + c.get(StatusClass.DONE_NO_DEADLINE, 0) + done_late
    recurring = c.get(StatusClass.RECURRING, 0)
    return {"name": unit.unit_name, "in_progress": in_progress, "overdue": overdue, "done": done,
            "done_late": done_late, "recurring": recurring, "total": in_progress + done + recurring}
