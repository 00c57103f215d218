"""JobRun bookkeeping (tracker.jobruns) and the runner's promise built on it (jobs.runner.run_job): a job runs
once per ward and day, whoever else tries, and a crash or an outage never blocks or hides a day."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from jobs.runner import run_job
from tests.builders import make_task, make_ward
from tracker import jobruns
from tracker.clock import WARD_TZ, FixedClock
from tracker.models import JobRun, Notification, Organization

GENEROUS = 120.0  # seconds, for a busy machine

TUESDAY = date(2026, 5, 19)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARD_TZ)


def overdue_ward(session, clock) -> int:
    """A ward whose Phòng Văn hóa - Xã hội has one task overdue on TUESDAY."""
    org_id = make_ward(session, clock)
    make_task(session, clock, org_id, due=date(2026, 5, 12), assigned_on=date(2026, 5, 4))
    return org_id


def rows(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Notification)).all())


def test_a_day_is_claimed_once_and_stays_done(session, clock):
    org_id = make_ward(session, clock)
    assert jobruns.begin(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY)
    assert not jobruns.begin(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY)
    jobruns.finish(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY, detail="3 tin nhắn")
    session.commit()
    assert not jobruns.begin(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY)
    assert jobruns.status_of(session, org_id=org_id, job="daily", day=TUESDAY) == "done"
    assert jobruns.begin(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY + timedelta(days=1))


def test_a_repeatable_job_may_claim_a_done_day_again_once_it_has_rested(session, clock):
    org_id = make_ward(session, clock)
    jobruns.begin(session, clock=clock, org_id=org_id, job="extensions", day=TUESDAY)
    jobruns.finish(session, clock=clock, org_id=org_id, job="extensions", day=TUESDAY)
    # Why: every process's scheduler fires the job at the same minute; one run per firing is enough.
    clock.advance(jobruns.REPEAT_REST - timedelta(seconds=1))
    assert not jobruns.begin(session, clock=clock, org_id=org_id, job="extensions", day=TUESDAY, repeatable=True)
    clock.advance(timedelta(seconds=1))
    assert jobruns.begin(session, clock=clock, org_id=org_id, job="extensions", day=TUESDAY, repeatable=True)
    assert jobruns.status_of(session, org_id=org_id, job="extensions", day=TUESDAY) == "running"


def test_a_running_row_left_by_a_crash_is_taken_over_after_an_hour_but_not_before(engine, session, clock):
    # Why: a process killed between committing `begin` and `finish` must not block the day for ever,
    # while a run that is merely slow must not be run twice.
    org_id = overdue_ward(session, clock)
    crashed = FixedClock(at(TUESDAY, 7, 30))
    assert jobruns.begin(session, clock=crashed, org_id=org_id, job="daily", day=TUESDAY)
    session.commit()

    soon = run_job(engine, FixedClock(at(TUESDAY, 8, 0)), "daily", at=at(TUESDAY, 8, 0))
    assert [(o.status, o.rows) for o in soon] == [("running", 0)]
    assert "đang được một tiến trình khác chạy" in soon[0].message

    later = run_job(engine, FixedClock(at(TUESDAY, 8, 45)), "daily", at=at(TUESDAY, 8, 45))
    assert [(o.status, o.rows) for o in later] == [("done", 1)]


def test_two_processes_running_the_same_job_at_once_add_its_messages_once(engine, session, clock):
    org_id = overdue_ward(session, clock)
    make_task(session, clock, org_id, "ca", due=date(2026, 5, 12), assigned_on=date(2026, 5, 4))
    session.close()
    start = threading.Barrier(2)
    outcomes = []

    def run() -> None:
        start.wait()
        outcomes.extend(run_job(engine, FixedClock(at(TUESDAY, 7, 30)), "daily", at=at(TUESDAY, 7, 30)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done, other = sorted(((o.status, o.rows) for o in outcomes), key=lambda outcome: outcome[0] != "done")
    assert done == ("done", 2) and other in {("already_ran", 0), ("running", 0)}
    assert rows(engine) == 2


def test_a_run_in_progress_sends_another_process_on_to_the_next_ward_at_once(engine, session, clock, database_url):
    # Why: on PostgreSQL an INSERT meeting another transaction's uncommitted key waits for it, so processes
    # walking the wards in the same order queued behind each other's runs instead of sharing the wards.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: a second process waits for the first whatever it does")
    first = overdue_ward(session, clock)
    make_ward(session, clock, key="phuong-hong")
    session.close()
    with Session(engine) as running:
        assert jobruns.begin(running, clock=clock, org_id=first, job="daily", day=TUESDAY)
        outcomes: list = []
        other = threading.Thread(target=lambda: outcomes.extend(
            run_job(engine, FixedClock(at(TUESDAY, 7, 30)), "daily", at=at(TUESDAY, 7, 30))))
        other.start()
        other.join(GENEROUS)
        assert not other.is_alive(), "the other process waited for the run in progress"
        running.rollback()
    assert [(o.org_key, o.status) for o in outcomes] == [("phuong-mau", "running"), ("phuong-hong", "done")]


def test_a_day_recorded_as_missed_is_not_run_later(engine, session, clock):
    org_id = overdue_ward(session, clock)
    assert jobruns.skip(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY, detail="dịch vụ dừng")
    assert not jobruns.skip(session, clock=clock, org_id=org_id, job="daily", day=TUESDAY)
    session.commit()
    outcomes = run_job(engine, clock, "daily", at=at(TUESDAY, 7, 30))
    assert [(o.status, o.rows) for o in outcomes] == [("skipped", 0)]
    assert "đã được ghi nhận là bỏ lỡ" in outcomes[0].message


def test_a_stale_running_row_becomes_skipped_but_a_done_day_stays_done(session, clock):
    org_id = make_ward(session, clock)
    jobruns.begin(session, clock=FixedClock(at(TUESDAY, 7, 30)), org_id=org_id, job="daily", day=TUESDAY)
    jobruns.begin(session, clock=FixedClock(at(TUESDAY, 7, 45)), org_id=org_id, job="digest", day=TUESDAY)
    jobruns.finish(session, clock=clock, org_id=org_id, job="digest", day=TUESDAY)
    later = FixedClock(at(TUESDAY + timedelta(days=1), 7))
    assert jobruns.skip(session, clock=later, org_id=org_id, job="daily", day=TUESDAY)
    assert not jobruns.skip(session, clock=later, org_id=org_id, job="digest", day=TUESDAY)
    assert jobruns.status_of(session, org_id=org_id, job="daily", day=TUESDAY) == "skipped"
    assert jobruns.status_of(session, org_id=org_id, job="digest", day=TUESDAY) == "done"


def test_the_last_runs_are_the_latest_day_of_each_job(session, clock):
    org_id = make_ward(session, clock)
    for day in (date(2026, 5, 18), TUESDAY):
        jobruns.begin(session, clock=clock, org_id=org_id, job="daily", day=day)
        jobruns.finish(session, clock=clock, org_id=org_id, job="daily", day=day)
    jobruns.skip(session, clock=clock, org_id=org_id, job="digest", day=date(2026, 5, 18))
    session.commit()
    assert [(r.job, r.day, r.status) for r in jobruns.last_runs(session, org_id)] == [
        ("daily", TUESDAY, "done"), ("digest", date(2026, 5, 18), "skipped")]


def test_nothing_runs_on_a_sunday_outside_office_hours_or_on_a_day_that_is_not_the_jobs(engine, session, clock):
    overdue_ward(session, clock)
    sunday = run_job(engine, clock, "daily", at=at(date(2026, 5, 17), 7, 30))
    evening = run_job(engine, clock, "daily", at=at(TUESDAY, 17, 0))
    too_early = run_job(engine, clock, "digest", at=at(TUESDAY, 7, 0))
    weekly = run_job(engine, clock, "weekly", at=at(TUESDAY, 7, 45))
    collect = run_job(engine, clock, "collect", at=at(TUESDAY, 7, 45))
    assert [o.status for o in (*sunday, *evening, *too_early, *weekly, *collect)] == [
        "not_working_day", "outside_hours", "outside_hours", "not_due", "not_due"]
    assert evening[0].message == ("Phường phuong-mau, ngày 19/05/2026 — nhắc việc hằng ngày: 17:00 là ngoài giờ làm "
                                  "việc, không chạy.")
    assert rows(engine) == 0
    with Session(engine) as fresh:
        assert fresh.exec(select(JobRun)).all() == []


def test_a_ward_whose_policy_cannot_be_read_fails_alone(engine, session, clock):
    # Why: one ward's broken policy (edited by hand in the database) must not stop the reminders of the
    # other wards served by the same process.
    overdue_ward(session, clock)
    broken = make_ward(session, clock, "phuong-hong")
    ward = session.get(Organization, broken)
    ward.policy = {**ward.policy, "office_hours_start": "25:99"}
    session.add(ward)
    session.commit()
    outcomes = run_job(engine, clock, "daily", at=at(TUESDAY, 7, 30))
    assert [(o.org_key, o.status, o.rows) for o in outcomes] == [("phuong-mau", "done", 1),
                                                                  ("phuong-hong", "error", 0)]
    assert outcomes[1].message.startswith("Phường phuong-hong, ngày 19/05/2026 — nhắc việc hằng ngày: bị lỗi")


def test_the_digest_reports_the_days_the_service_missed_once(engine, session, clock):
    org_id = overdue_ward(session, clock)

    def digest(day: date) -> None:
        run_job(engine, FixedClock(at(day, 7, 45)), "digest", at=at(day, 7, 45))

    digest(date(2026, 5, 15))
    # The service was down on Monday 18/5; restarted on Tuesday at 07:00, it records the day as missed for
    # every job. Only what was lost is reported: 18/5 was not the results request's day, and extension
    # notices are only late.
    with Session(engine) as fresh:
        for job in ("daily", "digest", "collect", "extensions"):
            jobruns.skip(fresh, clock=FixedClock(at(TUESDAY, 7)), org_id=org_id, job=job, day=date(2026, 5, 18))
        fresh.commit()
    digest(TUESDAY)
    digest(TUESDAY + timedelta(days=1))
    with Session(engine) as fresh:
        digests = fresh.exec(select(Notification).where(Notification.kind == "digest")).all()
    tuesday = [n.body for n in digests if n.day == TUESDAY]
    wednesday = [n.body for n in digests if n.day == TUESDAY + timedelta(days=1)]
    missed = "- 18/05/2026: nhắc việc hằng ngày, tổng hợp quá hạn cho lãnh đạo"
    assert tuesday and all(missed in b.splitlines() for b in tuesday)
    assert wednesday and not any("18/05/2026" in b for b in wednesday)
