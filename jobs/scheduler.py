"""The alarm clock: APScheduler 3.x triggers, in memory only, that call the jobs at each ward's times.

The scheduler holds no state worth keeping. Which job ran for which day is in the database (JobRun),
so a restart neither repeats nor skips a day: at start-up `catch_up` runs what today already owed and
records the days the service missed. Every trigger has a stable id and replaces its previous version,
tolerates hours of delay (a laptop asleep, a slow start), and runs once for several missed fire times."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from jobs.runner import JobOutcome, run_job
from tracker import leases
from tracker.catchup import WardTimes, owed_today, record_missed, ward_times
from tracker.clock import Clock
from tracker.dates import format_day
from tracker.db import session_scope
from tracker.errors import one_line
from tracker.jobdays import JOBS
from tracker.usecases.backups import backup_database, default_backup_path, is_sqlite, prune_backups
from tracker.usecases.conversations import purge_chat_state

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 4 * 3600
REFRESH_MINUTES = 15
REFRESH_JOB_ID = "wards:refresh"
CLEAN_JOB_ID = "chat:clean"
CLEAN_AT = time(2, 0)  # at night, when nobody chats with the bot
BACKUP_JOB_ID = "database:backup"
BACKUP_AT = time(1, 30)
# The night's backup lease outlives the night's backup and runs out before the next night's.
BACKUP_LEASE = timedelta(hours=20)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JOB_OPTIONS = {"replace_existing": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True,
               "max_instances": 1}


@dataclass
class CatchUpReport:
    """What `catch_up` did: the jobs recorded as missed per ward key and day, and the outcomes of the jobs
    it ran."""

    missed: dict[str, dict[date, list[str]]] = field(default_factory=dict)
    outcomes: list[JobOutcome] = field(default_factory=list)


def job_id(ward_key: str, job: str) -> str:
    """The stable id of a ward's job in the scheduler: adding it again replaces it."""
    return f"{ward_key}:{job}"


def triggers(ward: WardTimes) -> dict[str, BaseTrigger]:
    """The trigger of every job in tracker.jobdays.JOBS for a ward: at the job's times of day (on its
    weekday only, when it has one) on the ward's wall clock. Whether a day is a working day, the job's own
    day, or within office hours, the job decides itself when it fires. A job with no time gets no trigger."""
    policy, zone = ward.rules.policy, ward.rules.zone
    found = {job: _at_times(spec.times(policy), zone,
                            WEEKDAYS[spec.weekday(policy)] if spec.weekday is not None else "*")
             for job, spec in JOBS.items()}
    return {job: trigger for job, trigger in found.items() if trigger is not None}


def _daily_at(at: time, zone: ZoneInfo) -> CronTrigger:
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)


def _at_times(times: tuple[time, ...], zone: ZoneInfo, day_of_week: str = "*") -> BaseTrigger | None:
    # Cron cannot say "07:30 to 17:00 every 15 minutes" in one expression: hours sharing the same
    # minutes become one trigger (07: 30,45 | 08-16: 0,15,30,45), combined with OrTrigger.
    minutes_by_hour: dict[int, list[int]] = {}
    for moment in times:
        minutes_by_hour.setdefault(moment.hour, []).append(moment.minute)
    hours_by_minutes: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in minutes_by_hour.items():
        hours_by_minutes.setdefault(tuple(minutes), []).append(hour)
    crons = [CronTrigger(day_of_week=day_of_week, hour=",".join(map(str, hours)), minute=",".join(map(str, minutes)),
                         timezone=zone)
             for minutes, hours in hours_by_minutes.items()]
    if not crons:
        return None
    return crons[0] if len(crons) == 1 else OrTrigger(crons)


def make_scheduler() -> AsyncIOScheduler:
    """An AsyncIOScheduler with the default in-memory job store; start it inside the running loop."""
    return AsyncIOScheduler(timezone=ZoneInfo("UTC"))


@dataclass(frozen=True)
class BackupPlan:
    """Where the nightly backup goes, how many are kept, and the name of this process among the service's
    processes (one of them takes each night's backup)."""

    folder: Path
    keep: int
    holder: str = "tracker"


def schedule_wards(scheduler: AsyncIOScheduler, engine: Engine, clock: Clock,
                   backups: BackupPlan | None = None) -> list[WardTimes]:
    """Add (or replace) the triggers of every ward in the database, and the refresh that repeats this
    every REFRESH_MINUTES, so that a ward added or a policy changed while serving is picked up. Returns the
    wards. Reads the database: call it from a worker thread once the loop runs."""
    with session_scope(engine) as session:
        wards = ward_times(session)
    for ward in wards:
        for job, trigger in triggers(ward).items():
            scheduler.add_job(fire, trigger, id=job_id(ward.key, job), name=f"{job} {ward.key}",
                              kwargs={"engine": engine, "clock": clock, "job": job, "org_key": ward.key},
                              **JOB_OPTIONS)
    scheduler.add_job(refresh, IntervalTrigger(minutes=REFRESH_MINUTES), id=REFRESH_JOB_ID, name="refresh",
                      kwargs={"scheduler": scheduler, "engine": engine, "clock": clock, "backups": backups},
                      **JOB_OPTIONS)
    scheduler.add_job(clean_chat_state, _daily_at(CLEAN_AT, ZoneInfo("Asia/Ho_Chi_Minh")), id=CLEAN_JOB_ID,
                      name="clean", kwargs={"engine": engine, "clock": clock}, **JOB_OPTIONS)
    if backups is not None:
        scheduler.add_job(nightly_backup, _daily_at(BACKUP_AT, ZoneInfo("Asia/Ho_Chi_Minh")), id=BACKUP_JOB_ID,
                          name="backup", kwargs={"engine": engine, "clock": clock, "plan": backups}, **JOB_OPTIONS)
    return wards


def clean_chat_state(engine: Engine, clock: Clock) -> int:
    """Once a day, in a worker thread: forget expired chat buttons and old handled chat events
    (tracker.usecases.conversations.purge_chat_state), so those tables stay small. Returns the rows deleted;
    an error is logged and swallowed like a job's, the next day tries again."""
    try:
        with session_scope(engine) as session:
            removed = purge_chat_state(session, clock=clock)
        log.info("clean: removed=%s", removed)
        return removed
    except Exception:
        log.exception("Không dọn được dữ liệu hội thoại cũ.")
        return 0


def fire(engine: Engine, clock: Clock, job: str, org_key: str) -> list[JobOutcome]:
    """What a trigger calls, in a worker thread (the jobs are synchronous database work): run the job for
    the ward as of the clock's now. The runner logs one line per run; an unexpected error is logged here
    and swallowed so that the scheduler keeps ticking (the next start's catch-up runs the job again)."""
    try:
        return run_job(engine, clock, job, at=clock.now(), org_key=org_key)
    except Exception:
        log.exception("job=%s ward=%s: lỗi không lường trước", job, org_key)
        return []


def nightly_backup(engine: Engine, clock: Clock, plan: BackupPlan) -> Path | None:
    """Once a night, in a worker thread: a backup of the whole database into plan.folder, keeping the
    plan.keep newest (tracker.usecases.backups), by one process of those sharing the database: the others
    return None. Returns the file; an error is logged in one line and swallowed, the next night tries again."""
    try:
        if not leases.claim(engine, clock, name="database", role="backup", holder=plan.holder, ttl=BACKUP_LEASE):
            log.info("backup: một tiến trình khác đã sao lưu đêm nay.")
            return None
        sqlite = is_sqlite(engine)
        target = backup_database(engine, out=default_backup_path(plan.folder, clock.now(), sqlite=sqlite))
        removed = prune_backups(plan.folder, keep=plan.keep, pattern="tracker-*.db" if sqlite else "tracker-*.dump")
        log.info("backup: %s (đã xóa %d bản cũ)", target, len(removed))
        return target
    except Exception as exc:
        log.error("Không sao lưu được cơ sở dữ liệu: %s", one_line(exc))
        return None


async def refresh(scheduler: AsyncIOScheduler, engine: Engine, clock: Clock, backups: BackupPlan | None = None) -> None:
    """Re-read the wards and catch up: the safety net for a ward added while serving, and for a machine
    that slept past the misfire grace. Both are idempotent."""
    try:
        await asyncio.to_thread(schedule_wards, scheduler, engine, clock, backups)
        await asyncio.to_thread(catch_up, engine, clock, at=clock.now())
    except Exception:
        log.exception("Không cập nhật được lịch chạy của các phường/xã.")


def catch_up(engine: Engine, clock: Clock, *, at: datetime) -> CatchUpReport:
    """At start-up (and at every refresh), for each ward: record as skipped the jobs of the working days
    the service missed (at most a month back), so that today's digest reports them; then run the jobs
    today still owes at `at` (their time has passed and no JobRun of today exists). Safe to run again and
    from several instances at once: JobRun lets every job run once per ward and day, and a missed day once
    recorded is no longer missed."""
    report = CatchUpReport()
    with session_scope(engine) as session:
        wards = ward_times(session)
    for ward in wards:
        with session_scope(engine) as session:
            missed = record_missed(session, clock=clock, ward=ward, today=ward.rules.day_of(at))
            owed = owed_today(session, ward=ward, at=at)
        if missed:
            report.missed[ward.key] = missed
            days = ", ".join(format_day(day) for day in missed)
            log.info("%s: dịch vụ đã không chạy %d ngày làm việc (%s); đã ghi nhận là bỏ lỡ.",
                     ward.name, len(missed), days)
        for job in owed:
            report.outcomes += fire(engine, clock, job, ward.key)
    return report
