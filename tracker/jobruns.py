"""JobRun bookkeeping: which scheduled job ran for which ward and day, so that a restart neither repeats
nor skips a day.

The unique key (job, org_id, day) decides, also when two processes race: `begin` inserts with ON
CONFLICT DO NOTHING and only the process whose row went in (or that took over a stale one) runs the job.
On PostgreSQL `begin` first tries a transaction-scoped advisory lock on the ward, job and day, so that a
process meeting a run still in progress moves on to the next ward at once instead of waiting for that
transaction to end (an INSERT that meets an uncommitted equal key waits for it): several processes
walking the wards in the same order then share them out instead of queueing behind each other.
The runner in jobs/ calls `begin`, the job and `finish` in one transaction, so a crash rolls all of it
back; a "running" row can still be left behind by a caller that commits `begin` on its own, and such a
row older than STALE_AFTER is taken over instead of blocking its day for ever."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.models import JobRun, JobRunStatus

STALE_AFTER = timedelta(hours=1)
# A repeatable job runs again for a day only this long after it last finished: every process's scheduler
# fires it at the same time of day, and one run per firing is enough.
REPEAT_REST = timedelta(minutes=5)


def _insert(session: Session, *, clock: Clock, org_id: int, job: str, day: date, status: str,
            detail: str = "") -> bool:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"org_id": org_id, "job": job, "day": day, "status": status, "started_at": clock.now(),
              "finished_at": clock.now() if status != JobRunStatus.RUNNING else None, "detail": detail}
    statement = (insert(JobRun).values(**values).on_conflict_do_nothing(index_elements=["job", "org_id", "day"])
                 .returning(JobRun.id))
    # The returned id, not the row count: SQLAlchemy reports -1 for an INSERT ... RETURNING on psycopg.
    return session.execute(statement).first() is not None


def _row(org_id: int, job: str, day: date) -> sa.ColumnElement[bool]:
    return sa.and_(JobRun.org_id == org_id, JobRun.job == job, JobRun.day == day)


def begin(session: Session, *, clock: Clock, org_id: int, job: str, day: date, repeatable: bool = False,
          as_of: datetime | None = None) -> bool:
    """Claim the run of `job` for the ward and day: True when the caller now holds a "running" row (new, or
    a stale one taken over), False when the day is done, skipped, or being run by someone else right now.
    A `repeatable` job (one whose dedupe keys alone keep it idempotent) may also claim a day that is done,
    to run again as of the instant `as_of` (default: now), when it last finished at least REPEAT_REST
    before; its row then tells when it last ran. Does not commit."""
    if not _lock_run(session, org_id=org_id, job=job, day=day):
        return False
    if _insert(session, clock=clock, org_id=org_id, job=job, day=day, status=JobRunStatus.RUNNING):
        return True
    now = clock.now()
    claimable = sa.and_(JobRun.status == JobRunStatus.RUNNING, col(JobRun.started_at) < now - STALE_AFTER)
    if repeatable:
        rested = col(JobRun.finished_at) <= (as_of or now) - REPEAT_REST
        claimable = sa.or_(claimable, sa.and_(JobRun.status == JobRunStatus.DONE, rested))
    taken = session.execute(
        sa.update(JobRun).where(_row(org_id, job, day), claimable)
        .values(status=JobRunStatus.RUNNING, started_at=now, finished_at=None, detail="")
    )
    return taken.rowcount == 1


def _lock_run(session: Session, *, org_id: int, job: str, day: date) -> bool:
    # Held until the transaction ends, so also through the job and `finish`. SQLite has one writer at a
    # time anyway: nothing to take there.
    if session.get_bind().dialect.name != "postgresql":
        return True
    run_key = zlib.crc32(f"job_run:{job}:{day.isoformat()}".encode()) - 2**31  # PostgreSQL's int4 range
    return bool(session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(run_key, org_id))).scalar_one())


def finish(session: Session, *, clock: Clock, org_id: int, job: str, day: date, detail: str = "") -> None:
    """Mark the run that `begin` claimed as done, with a short detail (never a message body). Does not commit."""
    session.execute(
        sa.update(JobRun).where(_row(org_id, job, day))
        .values(status=JobRunStatus.DONE, finished_at=clock.now(), detail=detail[:500])
    )


def skip(session: Session, *, clock: Clock, org_id: int, job: str, day: date, detail: str = "") -> bool:
    """Record that `job` did not run for the ward on `day` (the service was stopped) and never will: the
    next leaders' digest reports it. A day already done or skipped is left as it is; a stale "running" row
    becomes skipped. Returns whether a row was added or changed. Does not commit."""
    if _insert(session, clock=clock, org_id=org_id, job=job, day=day, status=JobRunStatus.SKIPPED, detail=detail):
        return True
    stale = sa.and_(JobRun.status == JobRunStatus.RUNNING, col(JobRun.started_at) < clock.now() - STALE_AFTER)
    changed = session.execute(
        sa.update(JobRun).where(_row(org_id, job, day), stale)
        .values(status=JobRunStatus.SKIPPED, finished_at=clock.now(), detail=detail[:500])
    )
    return changed.rowcount == 1


def status_of(session: Session, *, org_id: int, job: str, day: date) -> str | None:
    """The status of the run of `job` for the ward and day ("running", "done", "skipped"), or None."""
    return session.exec(select(JobRun.status).where(_row(org_id, job, day))).first()


def last_runs(session: Session, org_id: int) -> list[JobRun]:
    """The latest row (by day) of every job the ward has run or skipped, in job-name order."""
    latest = (
        select(JobRun.job, sa.func.max(JobRun.day).label("day"))
        .where(JobRun.org_id == org_id).group_by(JobRun.job).subquery()
    )
    query = (
        select(JobRun).join(latest, sa.and_(JobRun.job == latest.c.job, JobRun.day == latest.c.day))
        .where(JobRun.org_id == org_id).order_by(JobRun.job)
    )
    return list(session.exec(query))


def skipped_since(session: Session, *, org_id: int, job: str, today: date) -> list[JobRun]:
    """The skipped rows recorded since the last time `job` was done for the ward before `today` (all of them
    when it never was), oldest day first: what `job`'s message of `today` should report."""
    last = session.exec(
        select(JobRun.started_at).where(
            JobRun.org_id == org_id, JobRun.job == job, JobRun.status == JobRunStatus.DONE, JobRun.day < today
        ).order_by(col(JobRun.day).desc()).limit(1)
    ).first()
    query = select(JobRun).where(JobRun.org_id == org_id, JobRun.status == JobRunStatus.SKIPPED, JobRun.day < today)
    if last is not None:
        query = query.where(col(JobRun.started_at) > last)
    return list(session.exec(query.order_by(JobRun.day, JobRun.job)))
