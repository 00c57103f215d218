"""The table of scheduled jobs, and on which days and at which hours each does its work for a ward.

JOBS is the one place a scheduled job is described: its label, the times of day it runs, the days it is
due and whether it may run again the same day. The scheduler's triggers, the catch-up after an outage, the
runner and the command line all derive from it; jobs/runner.py only maps each name to its function. The
jobs ask here before they run; every answer comes from the ward's policy (Organization.policy) and its
working-day calendar, never from the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tracker.workdays import WorkCalendar

if TYPE_CHECKING:
    from tracker.config.ward import PolicyConfig
    from tracker.models import Organization

EXTENSIONS_EVERY_MINUTES = 15


@dataclass(frozen=True)
class WardRules:
    """A ward's policy, calendar and time zone: everything a job needs to know about its days."""

    policy: PolicyConfig
    calendar: WorkCalendar
    zone: ZoneInfo

    def local(self, instant: datetime) -> datetime:
        """`instant` on the ward's wall clock."""
        return instant.astimezone(self.zone)

    def day_of(self, instant: datetime) -> date:
        """The ward's calendar day at `instant`."""
        return self.local(instant).date()


def policy_of(org: Organization) -> PolicyConfig:
    """The ward's policy as stored by `tracker init`. Keys this version does not know (written by a newer
    one) are ignored and missing keys take the defaults, so a job never fails on an older row."""
    from tracker.config.ward import PolicyConfig  # pydantic loads with the first ward, not with the job table

    known = {k: v for k, v in (org.policy or {}).items() if k in PolicyConfig.model_fields}
    return PolicyConfig.model_validate(known)


def ward_rules(org: Organization) -> WardRules:
    """The rules of `org`'s days."""
    policy = policy_of(org)
    return WardRules(policy=policy, calendar=WorkCalendar.from_policy(policy), zone=ZoneInfo(org.timezone))


def within_office_hours(rules: WardRules, instant: datetime) -> bool:
    """Whether `instant` falls in [office_hours_start, office_hours_end) on the ward's clock. Jobs only run
    then: what they enqueue is due at once, so the sender never delivers outside office hours."""
    moment = rules.local(instant).time()
    return rules.policy.office_hours_start <= moment < rules.policy.office_hours_end


def is_weekly_day(rules: WardRules, day: date) -> bool:
    """The weekly summary goes out on policy.weekly_summary_weekday (Monday by default) when it is a working
    day; a week whose day is a holiday has no summary (the next one covers the days since)."""
    return day.weekday() == rules.policy.weekly_summary_weekday and rules.calendar.is_working_day(day)


def working_days_before(calendar: WorkCalendar, day: date, n: int) -> date:
    """The n-th working day before `day` (n >= 0); with n == 0, `day` itself when it is a working day,
    else the working day before it."""
    current = calendar.working_day_on_or_before(day)
    while n > 0:
        current -= timedelta(days=1)
        if calendar.is_working_day(current):
            n -= 1
    return current


def report_day(rules: WardRules, year: int, month: int) -> date:
    """The day the month's report is due: policy.report_period_end_day (the month's last day when the month
    is shorter), moved to the working day on or before it."""
    last = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    wanted = min(rules.policy.report_period_end_day, last.day)
    return rules.calendar.working_day_on_or_before(date(year, month, wanted))


def results_request_day(rules: WardRules, year: int, month: int) -> date:
    """The working day on which units are asked for the month's results: policy.results_request_working_
    days_before working days before the report day."""
    return working_days_before(rules.calendar, report_day(rules, year, month),
                               rules.policy.results_request_working_days_before)


def month_of(day: date) -> str:
    """'2026-05' for any day of May 2026, as Update.month stores it."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_hours(policy: PolicyConfig) -> tuple[time, ...]:
    """Every quarter of an hour from the start of office hours (rounded up to a quarter) until, not
    including, their end: when the extension notices run."""
    start = policy.office_hours_start.hour * 60 + policy.office_hours_start.minute
    end = policy.office_hours_end.hour * 60 + policy.office_hours_end.minute
    first = -(-start // EXTENSIONS_EVERY_MINUTES) * EXTENSIONS_EVERY_MINUTES
    return tuple(time(m // 60, m % 60) for m in range(first, end, EXTENSIONS_EVERY_MINUTES))


def every_working_day(rules: WardRules, day: date) -> bool:
    """A job that has work on every working day has no day of its own to check."""
    return True


def is_results_request_day(rules: WardRules, day: date) -> bool:
    """Whether `day` is the month's results-request day (results_request_day)."""
    return day == results_request_day(rules, day.year, day.month)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job, as every part of the system sees it.

    `times(policy)` are the times of day it runs on the ward's clock, the first being when a day's work
    starts; `weekday(policy)`, when set, the only weekday the scheduler wakes it; `own_day(rules, day)`
    whether a working day is one of its days; `repeatable` that it runs whenever asked, its dedupe keys
    alone keeping it idempotent, so a stopped service owes nothing for it (the next run sends what was
    not sent)."""

    label: str
    times: Callable[[PolicyConfig], tuple[time, ...]]
    own_day: Callable[[WardRules, date], bool] = every_working_day
    weekday: Callable[[PolicyConfig], int] | None = None
    repeatable: bool = False


JOBS: dict[str, JobSpec] = {
    "daily": JobSpec("nhắc việc hằng ngày", lambda policy: (policy.reminder_time,)),
    "digest": JobSpec("tổng hợp quá hạn cho lãnh đạo", lambda policy: (policy.digest_time,)),
    "weekly": JobSpec("báo cáo tuần", lambda policy: (policy.digest_time,), own_day=is_weekly_day,
                      weekday=lambda policy: policy.weekly_summary_weekday),
    "collect": JobSpec("đề nghị báo cáo kết quả tháng", lambda policy: (policy.digest_time,),
                       own_day=is_results_request_day),
    "extensions": JobSpec("thông báo kết quả gia hạn", quarter_hours, repeatable=True),
}


def job_spec(job: str) -> JobSpec:
    """The table row of `job`. Raises ValueError for an unknown job."""
    try:
        return JOBS[job]
    except KeyError:
        raise ValueError(f"unknown job {job!r}") from None


def job_label(job: str) -> str:
    """The Vietnamese name of `job` ("nhắc việc hằng ngày"); an unknown name (an old JobRun row) stays."""
    return JOBS[job].label if job in JOBS else job


def first_time(rules: WardRules, job: str) -> time:
    """The time of day `job` first runs for the ward. Raises ValueError for an unknown job."""
    return job_spec(job).times(rules.policy)[0]


def job_due_on(rules: WardRules, job: str, day: date) -> bool:
    """Whether `job` has work for the ward on `day` (hours aside): every job on working days only, and then
    on its own days (the weekly summary on its weekday, the results request on its day of the month).
    Raises ValueError for an unknown job."""
    spec = job_spec(job)
    return rules.calendar.is_working_day(day) and spec.own_day(rules, day)


def not_due_reason(rules: WardRules, job: str, instant: datetime) -> str | None:
    """Why `job` does nothing for the ward at `instant`, or None when it should run: "not_working_day",
    "not_due" (the weekly summary on another weekday, the results request on another day) or
    "outside_hours". Raises ValueError for an unknown job."""
    spec = job_spec(job)
    day = rules.day_of(instant)
    if not rules.calendar.is_working_day(day):
        return "not_working_day"
    if not spec.own_day(rules, day):
        return "not_due"
    if not within_office_hours(rules, instant):
        return "outside_hours"
    return None
