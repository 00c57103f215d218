"""On which days and at which hours each scheduled job of a ward does its work.

The jobs in jobs/ ask here before they run; the scheduler only decides when to ask. Every answer comes
from the ward's policy (Organization.policy) and its working-day calendar, never from the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.config.ward import PolicyConfig
from tracker.models import Organization
from tracker.workdays import WorkCalendar

JOB_NAMES = ("daily", "digest", "weekly", "collect", "extensions")

JOB_LABELS = {
    "daily": "nhắc việc hằng ngày",
    "digest": "tổng hợp quá hạn cho lãnh đạo",
    "weekly": "báo cáo tuần",
    "collect": "đề nghị báo cáo kết quả tháng",
    "extensions": "thông báo kết quả gia hạn",
}


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


def job_due_on(rules: WardRules, job: str, day: date) -> bool:
    """Whether `job` has work for the ward on `day` (hours aside): every job on working days only, the weekly
    summary on its weekday, the results request on its day of the month. Raises ValueError for an unknown job."""
    if job not in JOB_NAMES:
        raise ValueError(f"unknown job {job!r}")
    if not rules.calendar.is_working_day(day):
        return False
    if job == "weekly":
        return is_weekly_day(rules, day)
    if job == "collect":
        return day == results_request_day(rules, day.year, day.month)
    return True


def not_due_reason(rules: WardRules, job: str, instant: datetime) -> str | None:
    """Why `job` does nothing for the ward at `instant`, or None when it should run: "not_working_day",
    "not_due" (the weekly summary on another weekday, the results request on another day) or
    "outside_hours". Raises ValueError for an unknown job."""
    if job not in JOB_NAMES:
        raise ValueError(f"unknown job {job!r}")
    day = rules.day_of(instant)
    if not rules.calendar.is_working_day(day):
        return "not_working_day"
    if not job_due_on(rules, job, day):
        return "not_due"
    if not within_office_hours(rules, instant):
        return "outside_hours"
    return None
