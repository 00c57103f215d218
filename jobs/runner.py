"""Running a scheduled job for every ward (or one) as of an instant: the one entry point of the scheduler,
the CLI and the tests.

For each ward, in its own time zone and its own transaction: a job does nothing on a non-working day, on
a day that is not its own (the weekly summary, the results request), or outside office hours (so that
what it enqueues, due at once, is never delivered outside them); otherwise it claims the day in JobRun,
runs, and marks the day done, all in one commit. A second run for the same ward and day adds nothing and
says so. The extension notices are the exception: their dedupe keys alone keep them idempotent, so they
run as often as the scheduler asks, and their JobRun row tells when they last ran."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from jobs.collect import run_collect
from jobs.daily import run_daily
from jobs.digest import run_digest
from jobs.extensions import run_extensions
from jobs.weekly import run_weekly
from tracker import jobruns, outbox
from tracker.clock import WARD_TZ, Clock
from tracker.dates import format_day
from tracker.errors import InvalidInputError, NotFoundError, one_line
from tracker.jobdays import JOBS, job_label, not_due_reason, ward_rules
from tracker.models import Organization

__all__ = ["JOB_FUNCTIONS", "JobOutcome", "run_job"]

log = logging.getLogger("jobs")

Job = Callable[..., int]
# When and how often each runs is tracker.jobdays.JOBS's; here only which function does the work.
JOB_FUNCTIONS: dict[str, Job] = {
    "daily": run_daily, "digest": run_digest, "weekly": run_weekly, "collect": run_collect,
    "extensions": run_extensions,
}


@dataclass(frozen=True)
class JobOutcome:
    """What one job did for one ward. `status` is one of: done, already_ran, running (another process holds
    the day), skipped (the day was recorded as missed), not_working_day, not_due, outside_hours, error.
    `rows` counts the outbox rows added; `message` is the Vietnamese line for people. A dry run's status is
    dry_run."""

    job: str
    org_key: str
    org_name: str
    day: date
    status: str
    rows: int = 0
    seconds: float = 0.0
    at: datetime | None = None
    error: str = ""
    would_send: tuple[tuple[str, str], ...] = ()  # a dry run's messages: (recipient's name, text)

    @property
    def message(self) -> str:
        """One line, e.g. "Phường Mẫu, ngày 12/05/2026 — nhắc việc hằng ngày: đã thêm 5 tin nhắn."."""
        texts = {
            "done": f"đã thêm {self.rows} tin nhắn.",
            "already_ran": "đã chạy trước đó, không thêm gì.",
            "running": "đang được một tiến trình khác chạy, không thêm gì.",
            "skipped": "đã được ghi nhận là bỏ lỡ, không chạy lại.",
            "not_working_day": "không phải ngày làm việc, không chạy.",
            "not_due": "không phải ngày gửi, không chạy.",
            "outside_hours": f"{self.at:%H:%M} là ngoài giờ làm việc, không chạy." if self.at
            else "ngoài giờ làm việc, không chạy.",
            "error": f"bị lỗi, không thêm gì ({self.error}).",
            "dry_run": f"chạy thử: sẽ gửi {self.rows} tin nhắn (chưa ghi gì).",
        }
        return f"{self.org_name}, ngày {format_day(self.day)} — {job_label(self.job)}: {texts[self.status]}"

    def __str__(self) -> str:
        return self.message


def run_job(engine: Engine, clock: Clock, job: str, *, at: datetime, org_key: str | None = None,
            dry_run: bool = False) -> list[JobOutcome]:
    """Run `job` (a name in tracker.jobdays.JOBS) as of the aware instant `at` for every ward, or only the
    ward `org_key`, each in its own transaction, and return one outcome per ward. `clock` stamps the outbox
    rows (created and due now). A failing ward is rolled back, logged and reported as an "error" outcome;
    the other wards still run. With `dry_run` every transaction is rolled back: nothing is written, and
    each outcome lists the messages the run would have sent. Raises InvalidInputError for an unknown job or
    a naive instant, NotFoundError for an unknown ward."""
    if job not in JOBS or job not in JOB_FUNCTIONS:
        raise InvalidInputError(f"Không có việc «{job}»; chọn một trong: {', '.join(JOBS)}.")
    if at.tzinfo is None:
        raise InvalidInputError("Thời điểm chạy phải ghi rõ múi giờ, ví dụ 2026-05-12T07:30+07:00.")
    return [_run_for_ward(engine, clock, job, org, at, dry_run) for org in _wards(engine, org_key)]


def _wards(engine: Engine, org_key: str | None) -> list[Organization]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(Organization).order_by(Organization.id)
        if org_key:
            query = query.where(Organization.key == org_key)
        wards = list(session.exec(query))
    if org_key and not wards:
        raise NotFoundError(f"Không có phường/xã nào có khóa «{org_key}».")
    return wards


def _run_for_ward(engine: Engine, clock: Clock, job: str, org: Organization, at: datetime,
                  dry_run: bool) -> JobOutcome:
    started = time.perf_counter()
    # The ward's own clock; a policy that cannot be read falls back to the design's time zone, for the log.
    base = {"job": job, "org_key": org.key, "org_name": org.name, "day": at.astimezone(WARD_TZ).date(),
            "at": at.astimezone(WARD_TZ)}
    rows, error, would_send = 0, "", ()
    try:
        rules = ward_rules(org)
        base.update(day=rules.day_of(at), at=rules.local(at))
        status = not_due_reason(rules, job, at)
        if status is None:
            # A transaction only for a ward that has work: most days are not the weekly or monthly job's.
            with Session(engine, expire_on_commit=False) as session:
                session.add(org)
                status, rows, would_send = _claim_and_run(session, clock, job, org, base["day"], at, dry_run)
    except Exception as exc:
        log.exception("job=%s ward=%s day=%s failed", job, base["org_key"], base["day"].isoformat())
        status, rows, error = "error", 0, one_line(exc)
    outcome = JobOutcome(**base, status=status, rows=rows, seconds=time.perf_counter() - started, error=error,
                         would_send=would_send)
    log.info("job=%s ward=%s day=%s status=%s rows=%d duration_ms=%.0f", job, outcome.org_key,
             outcome.day.isoformat(), status, rows, outcome.seconds * 1000)
    return outcome


def _claim_and_run(session: Session, clock: Clock, job: str, org: Organization, day: date, at: datetime,
                   dry_run: bool) -> tuple[str, int, tuple[tuple[str, str], ...]]:
    org_id = org.id or 0
    if not jobruns.begin(session, clock=clock, org_id=org_id, job=job, day=day, repeatable=JOBS[job].repeatable,
                        as_of=at):
        held = jobruns.status_of(session, org_id=org_id, job=job, day=day)
        session.rollback()
        return {"done": "already_ran", "skipped": "skipped"}.get(held or "", "running"), 0, ()
    before = outbox.last_id(session, org_id=org_id)
    rows = JOB_FUNCTIONS[job](session, clock, org=org, instant=at)
    if dry_run:
        would_send = outbox.added_since(session, org_id=org_id, after_id=before)
        session.rollback()
        return "dry_run", rows, would_send
    jobruns.finish(session, clock=clock, org_id=org_id, job=job, day=day, detail=f"{rows} tin nhắn")
    session.commit()
    return "done", rows, ()
