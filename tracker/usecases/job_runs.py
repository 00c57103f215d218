"""Running a scheduled job by hand: who may, for which instant, and the trace it leaves.

The scheduler runs the jobs on its own; a person runs one from the command line to catch up a day or to
see what a day would send. Only the administrator may, and a day that has not come yet only as a dry run:
a real run records the day as done, so that day's reminders would never go out when it comes."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.models import Person
from tracker.usecases.common import ward_today


def check_job_run(session: Session, *, clock: Clock, actor: Person, day: date, dry_run: bool) -> None:
    """Raise ForbiddenError unless the actor is the ward's administrator, and InvalidInputError for a day
    after the ward's today unless it is a dry run (which writes nothing)."""
    require(actor, Action.RUN_JOBS, org_id=actor.org_id)
    today = ward_today(session, clock, actor.org_id)
    if day > today and not dry_run:
        raise InvalidInputError(
            f"Ngày {format_day(day)} chưa đến (hôm nay là {format_day(today)}): chạy thật sẽ ghi ngày đó là đã "
            "chạy và tin nhắc của ngày đó sẽ không được gửi. Dùng --dry-run để xem trước."
        )


def record_job_run(session: Session, *, clock: Clock, actor: Person, job: str, at: datetime, day: date,
                   status: str, rows: int, dry_run: bool) -> None:
    """Audit a job run by hand: who ran which job for which day and instant, what came of it. Does not
    commit."""
    audit.record(
        session, clock=clock, actor=actor, org_id=actor.org_id, entity="job", entity_id=0,
        action="dry_run" if dry_run else "run", before=None,
        after={"job": job, "at": at.isoformat(), "day": day.isoformat(), "status": status, "rows": rows},
        channel="cli",
    )
