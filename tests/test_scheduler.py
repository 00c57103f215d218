"""The alarm clock (jobs/scheduler.py): one trigger per job and ward at the ward's policy times, and the
catch-up after the service was down. The jobs themselves are the real ones (jobs/runner.py)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from builders import example_config, make_task, make_ward
from sqlmodel import Session, select

from jobs.scheduler import catch_up, make_scheduler, schedule_wards
from tracker.clock import WARD_TZ, FixedClock
from tracker.models import JobRun, Notification, Organization
from tracker.usecases import apply_ward_config

JOBS = ("daily", "digest", "weekly", "collect", "extensions")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARD_TZ)


def next_runs(engine, now: datetime) -> dict[str, datetime]:
    """Each scheduled job's next fire time after `now`, as APScheduler computes it."""
    scheduler = make_scheduler()
    schedule_wards(scheduler, engine, FixedClock(now))
    return {job.id: job.trigger.get_next_fire_time(None, now) for job in scheduler.get_jobs()}


def job_runs(engine) -> list[tuple[str, date, str]]:
    with Session(engine) as session:
        rows = session.exec(select(JobRun).order_by(JobRun.day, JobRun.job)).all()
        return [(row.job, _day(row.day), row.status) for row in rows]


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(model)).one()


def test_every_ward_gets_one_trigger_per_job_at_its_policy_times(engine, session, clock):
    make_ward(session, clock, "phuong-mau")
    later = example_config("phuong-muon", "Phường Muộn")
    policy = later.policy.model_copy(update={"reminder_time": time(8, 0), "digest_time": time(8, 30),
                                             "weekly_summary_weekday": 4, "office_hours_start": time(8, 0)})
    apply_ward_config(session, clock=clock, config=later.model_copy(update={"policy": policy}))
    session.commit()

    # Monday 18 May 2026, 06:00 in Hà Nội: every job's first run is today.
    runs = next_runs(engine, local(date(2026, 5, 18), 6))

    assert set(runs) == {f"{ward}:{job}" for ward in ("phuong-mau", "phuong-muon") for job in JOBS} | {
        "wards:refresh", "chat:clean"}
    monday = date(2026, 5, 18)
    assert runs["phuong-mau:daily"] == local(monday, 7, 30)
    assert runs["phuong-mau:digest"] == local(monday, 7, 45)
    assert runs["phuong-mau:weekly"] == local(monday, 7, 45)
    assert runs["phuong-mau:collect"] == local(monday, 7, 45)
    assert runs["phuong-mau:extensions"] == local(monday, 7, 30)
    assert runs["phuong-muon:daily"] == local(monday, 8, 0)
    assert runs["phuong-muon:digest"] == local(monday, 8, 30)
    assert runs["phuong-muon:weekly"] == local(date(2026, 5, 22), 8, 30)  # its weekday is Friday
    assert runs["phuong-muon:extensions"] == local(monday, 8, 0)
    assert all(when.utcoffset() == timedelta(hours=7) for job, when in runs.items() if job != "wards:refresh")
    assert runs["chat:clean"] == local(date(2026, 5, 19), 2, 0)


def test_the_triggers_repeat_at_the_same_times_and_extensions_stay_within_office_hours(engine, session, clock):
    make_ward(session, clock)

    tuesday_morning = next_runs(engine, local(date(2026, 5, 19), 8, 5))
    assert tuesday_morning["phuong-mau:daily"] == local(date(2026, 5, 20), 7, 30)
    assert tuesday_morning["phuong-mau:digest"] == local(date(2026, 5, 19), 7, 45) + timedelta(days=1)
    assert tuesday_morning["phuong-mau:weekly"] == local(date(2026, 5, 25), 7, 45)
    assert tuesday_morning["phuong-mau:extensions"] == local(date(2026, 5, 19), 8, 15)
    # Office hours end at 17:00: the last notice check is 16:45, the next one tomorrow at 07:30.
    late = "phuong-mau:extensions"
    assert next_runs(engine, local(date(2026, 5, 19), 16, 40))[late] == local(date(2026, 5, 19), 16, 45)
    assert next_runs(engine, local(date(2026, 5, 19), 16, 50))[late] == local(date(2026, 5, 20), 7, 30)


def test_every_trigger_tolerates_hours_of_delay_and_runs_once_for_missed_fire_times(engine, session, clock):
    make_ward(session, clock)
    scheduler = make_scheduler()
    schedule_wards(scheduler, engine, clock)

    for job in scheduler.get_jobs():
        assert job.misfire_grace_time >= 3600, job.id
        assert job.coalesce is True, job.id
        assert job.max_instances == 1, job.id


def test_scheduling_again_replaces_the_triggers_instead_of_adding_new_ones(engine, session, clock):
    # Why: the refresh adds every ward's jobs again every few minutes; without stable ids and
    # replace_existing each refresh would double every reminder.
    make_ward(session, clock)

    def move_reminders_to_nine() -> None:
        org = session.exec(select(Organization)).one()
        org.policy = {**org.policy, "reminder_time": "09:00:00"}
        session.add(org)
        session.commit()

    async def schedule_twice() -> dict[str, datetime]:
        scheduler = make_scheduler()
        scheduler.start(paused=True)
        try:
            schedule_wards(scheduler, engine, clock)
            move_reminders_to_nine()
            schedule_wards(scheduler, engine, clock)
            jobs = scheduler.get_jobs()
            assert len(jobs) == len({job.id for job in jobs}) == len(JOBS) + 2  # and the refresh and the clean
            return {job.id: job.trigger.get_next_fire_time(None, local(date(2026, 5, 18), 6)) for job in jobs}
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)

    runs = asyncio.run(schedule_twice())
    assert runs["phuong-mau:daily"] == local(date(2026, 5, 18), 9, 0)


def test_after_three_days_down_todays_jobs_run_once_and_the_missed_days_are_recorded(engine, session, clock):
    org_id = make_ward(session, clock)
    make_task(session, clock, org_id, due=date(2026, 5, 13), assigned_on=date(2026, 5, 4))
    monday, friday = date(2026, 5, 11), date(2026, 5, 15)
    # The service ran on Monday, then was down on Tuesday, Wednesday and Thursday.
    catch_up(engine, FixedClock(local(monday, 16)), at=local(monday, 16))
    assert {job for job, day, _ in job_runs(engine) if day == monday} == {"daily", "digest", "weekly", "extensions"}

    start = local(friday, 8)
    report = catch_up(engine, FixedClock(start), at=start)

    runs = job_runs(engine)
    assert [(job, status) for job, day, status in runs if day == friday] == [
        ("daily", "done"), ("digest", "done"), ("extensions", "done")]  # once each; not the weekly summary's day
    # Thursday 14/5 was the day to ask units for May's results (two working days before the 18th).
    expected = {date(2026, 5, 12): ["daily", "digest"], date(2026, 5, 13): ["daily", "digest"],
                date(2026, 5, 14): ["daily", "digest", "collect"]}
    assert report.missed == {"phuong-mau": expected}
    skipped = {(job, day) for job, day, status in runs if status == "skipped"}
    assert skipped == {(job, day) for day, jobs in expected.items() for job in jobs}

    before = (job_runs(engine), count(engine, Notification))
    later = start + timedelta(minutes=10)
    again = catch_up(engine, FixedClock(later), at=later)
    assert (job_runs(engine), count(engine, Notification)) == before
    assert again.missed == {}
    assert [(o.job, o.rows) for o in again.outcomes] == [("extensions", 0)]  # runs whenever asked


def test_todays_digest_reports_the_days_the_service_missed(engine, session, clock):
    make_ward(session, clock)
    monday, friday = date(2026, 5, 11), date(2026, 5, 15)
    catch_up(engine, FixedClock(local(monday, 16)), at=local(monday, 16))

    catch_up(engine, FixedClock(local(friday, 8)), at=local(friday, 8))

    with Session(engine) as check:
        digests = check.exec(select(Notification).where(Notification.kind == "digest")).all()
    fridays = [n.body for n in digests if _day(n.day) == friday]
    assert fridays and all("12/05/2026" in body and "14/05/2026" in body for body in fridays)


def test_a_weekend_in_between_is_not_counted_as_missed(engine, session, clock):
    make_ward(session, clock)
    thursday, tuesday = date(2026, 5, 14), date(2026, 5, 19)
    catch_up(engine, FixedClock(local(thursday, 16)), at=local(thursday, 16))

    report = catch_up(engine, FixedClock(local(tuesday, 8)), at=local(tuesday, 8))

    assert report.missed == {"phuong-mau": {date(2026, 5, 15): ["daily", "digest"],
                                            date(2026, 5, 18): ["daily", "digest", "weekly"]}}
    skipped_days = {day for _, day, status in job_runs(engine) if status == "skipped"}
    assert skipped_days == {date(2026, 5, 15), date(2026, 5, 18)}


def test_a_first_start_records_no_missed_day_and_runs_only_the_jobs_whose_time_has_come(engine, session, clock):
    make_ward(session, clock)
    monday = date(2026, 5, 18)

    report = catch_up(engine, FixedClock(local(monday, 7, 35)), at=local(monday, 7, 35))

    assert report.missed == {}
    assert {job for job, _, _ in job_runs(engine)} == {"daily", "extensions"}  # digest and the rest at 07:45


def test_a_start_after_office_hours_runs_nothing_and_the_day_counts_as_missed_tomorrow(engine, session, clock):
    # Why: jobs enqueue messages due at once, and nothing may be sent outside office hours.
    make_ward(session, clock)
    catch_up(engine, FixedClock(local(date(2026, 5, 18), 9)), at=local(date(2026, 5, 18), 9))

    evening = catch_up(engine, FixedClock(local(date(2026, 5, 19), 18)), at=local(date(2026, 5, 19), 18))
    assert evening.outcomes == [] and evening.missed == {}

    morning = catch_up(engine, FixedClock(local(date(2026, 5, 20), 8)), at=local(date(2026, 5, 20), 8))
    assert list(morning.missed["phuong-mau"]) == [date(2026, 5, 19)]


def test_the_nightly_clean_forgets_expired_chat_buttons(engine, session, clock):
    from dialog_helpers import bind, rows

    from bots.dialog import Dialog
    from jobs.scheduler import clean_chat_state
    from tracker.models import ChatButton
    from tracker.usecases.conversations import BUTTON_LIFETIME

    org_id = make_ward(session, clock)
    head = bind(session, clock, Dialog(engine, clock), org_id, "tp-vhxh")
    head.send("/trogiup")
    head.send("/thoat")
    issued = len(rows(engine, ChatButton))
    clock.advance(BUTTON_LIFETIME + timedelta(minutes=1))
    assert clean_chat_state(engine, clock) >= issued
    assert rows(engine, ChatButton) == []


def test_a_new_job_takes_one_table_row_one_module_and_one_template(engine, session, clock, monkeypatch):
    # Why: the scheduler's triggers, the runner, the catch-up, the labels and the command line all derive
    # from tracker.jobdays.JOBS; a job added there must need nothing else (tests/month_end_job.py).
    import month_end_job
    from jinja2 import ChoiceLoader, FileSystemLoader

    from jobs.runner import JOB_FUNCTIONS, run_job
    from tracker import messages
    from tracker.jobdays import JOBS

    monkeypatch.setitem(JOBS, "month_end", month_end_job.SPEC)
    monkeypatch.setitem(JOB_FUNCTIONS, "month_end", month_end_job.run_month_end)
    templates = FileSystemLoader(str(Path(__file__).parent / "templates"))
    monkeypatch.setattr(messages.ENVIRONMENT, "loader", ChoiceLoader([messages.ENVIRONMENT.loader, templates]))
    make_ward(session, clock)

    # Friday 29 May 2026 is May's last working day (the 30th and 31st are a weekend).
    runs = next_runs(engine, local(date(2026, 5, 18), 6))
    assert runs["phuong-mau:month_end"] == local(date(2026, 5, 18), 16, 0)  # it fires daily, runs on its day
    [not_yet] = run_job(engine, clock, "month_end", at=local(date(2026, 5, 28), 16, 5))
    assert not_yet.message == ("Phường phuong-mau, ngày 28/05/2026 — nhắc chốt số liệu cuối tháng: "
                               "không phải ngày gửi, không chạy.")
    [done] = run_job(engine, clock, "month_end", at=local(date(2026, 5, 29), 16, 5))
    assert done.status == "done" and done.rows >= 1
    with Session(engine) as check:
        bodies = [n.body for n in check.exec(select(Notification).where(Notification.kind == "month_end"))]
    assert bodies and all(body.startswith("CHỐT SỐ LIỆU THÁNG\nĐồng chí ") and "29/05/2026" in body for body in bodies)

    # The service ran on Thursday 25 June, then was down until Wednesday 1 July: the catch-up records the
    # new job as missed on Tuesday 30 June, June's last working day, and on no other day.
    catch_up(engine, FixedClock(local(date(2026, 6, 25), 16, 30)), at=local(date(2026, 6, 25), 16, 30))
    report = catch_up(engine, FixedClock(local(date(2026, 7, 1), 8)), at=local(date(2026, 7, 1), 8))
    missed = report.missed["phuong-mau"]
    assert [day for day, jobs in missed.items() if "month_end" in jobs] == [date(2026, 6, 30)]
