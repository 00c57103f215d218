"""The monthly report's use cases: the appendices (Phụ lục 1 and 5) and the figures of the report's text."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from tracker.access import Action, require
from tracker.errors import InvalidInputError
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person
from tracker.reports.data import ReportHeader, period_figures, plan_appendix, results_appendix
from tracker.reports.model import Appendix, PeriodFigures
from tracker.reports.selection import month_bounds, parse_month


def month_results(
    session: Session, *, actor: Person, month: str, until: date | None = None, report_number: str | None = None,
    report_date: date | None = None,
) -> Appendix:
    """Phụ lục 1 of `month` ("2026-05" or "5/2026") for the actor's ward: the tasks of the month with the
    results, forecasts and recommendations the units reported for it (tracker.reports.data); with `until`,
    only tasks confirmed done by that day are written "Hoàn thành". An empty month gives an appendix without
    units, not an error. Raises ForbiddenError (only office staff, leaders and the administrator make the
    report), InvalidInputError (a malformed month, `until` outside it)."""
    require(actor, Action.REPORT, org_id=actor.org_id)
    key = parse_month(month)
    if until is not None:
        _check_within(key, until)
    return results_appendix(session, org_id=actor.org_id, month=key, until=until,
                            header=_header(session, actor, report_number, report_date))


def month_plan(
    session: Session, *, actor: Person, month: str, report_number: str | None = None, report_date: date | None = None,
) -> Appendix:
    """Phụ lục 5, the plan for `month` (attached to the report of the month before). Same rules and errors
    as `month_results`."""
    require(actor, Action.REPORT, org_id=actor.org_id)
    return plan_appendix(session, org_id=actor.org_id, month=month,
                         header=_header(session, actor, report_number, report_date))


def month_figures(session: Session, *, actor: Person, month: str, until: date | None = None) -> PeriodFigures:
    """The status-class counts of `month`'s Phụ lục 1 tasks on `until`, by default the last day of the
    ward's reporting period (policy.report_period_end_day, "từ 01/5 đến 18/5"). Raises ForbiddenError,
    InvalidInputError (a malformed month, or `until` outside the month)."""
    require(actor, Action.REPORT, org_id=actor.org_id)
    key = parse_month(month)
    until = until or reporting_period_end(session, actor.org_id, key)
    _check_within(key, until)
    return period_figures(session, org_id=actor.org_id, month=key, until=until)


def reporting_period_end(session: Session, org_id: int, month: str) -> date:
    """The last day of the ward's reporting period in `month`: policy.report_period_end_day, or the month's
    last day in a shorter month."""
    first, last = month_bounds(month)
    org = session.get(Organization, org_id)
    end_day = ward_rules(org).policy.report_period_end_day if org else last.day
    return first.replace(day=min(end_day, last.day))


def _check_within(month: str, until: date) -> None:
    first, last = month_bounds(month)
    if not first <= until <= last:
        raise InvalidInputError(f"Ngày chốt số liệu {until:%d/%m/%Y} không thuộc tháng {first.month}/{first.year}.")


def _header(session: Session, actor: Person, number: str | None, day: date | None) -> ReportHeader:
    org = session.get(Organization, actor.org_id)
    return ReportHeader(ward_name=org.name if org else "", report_number=number, report_date=day)
