"""The monthly report's use cases: which tasks each month's appendices list, what their cells say, and the
figures of the report's text (tracker.usecases.reports, tracker.usecases.tasks.set_report_override)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import Session

from tests.builders import make_task, make_ward, person
from tracker.clock import WARD_TZ, Clock, FixedClock
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.models import Task
from tracker.usecases import cancel_task, confirm_done, decide_extension, record_update, request_extension
from tracker.usecases.reports import month_figures, month_plan, month_results
from tracker.usecases.tasks import set_report_override

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
# For confirming tasks finished later in the year than the shared clock's day.
YEAR_END = FixedClock(datetime(2026, 12, 31, 9, 0, tzinfo=WARD_TZ))


def office(session: Session, org_id: int):  # type: ignore[no-untyped-def]
    return person(session, org_id, "van-thu")


def listed(session: Session, org_id: int, month: str, *, plan: bool = False) -> list[int]:
    build = month_plan if plan else month_results
    appendix = build(session, actor=office(session, org_id), month=month)
    return [row.task_id for unit in appendix.units for row in unit.rows]


def months_listing(session: Session, org_id: int, task: Task, *, plan: bool = False) -> list[int]:
    return [int(m[5:]) for m in MONTHS if task.id in listed(session, org_id, m, plan=plan)]


def with_period_start(session: Session, task: Task, starts_on: date) -> Task:
    # As an import stores "Tháng 9/2026": the named period starts on 1 September.
    task.starts_on = starts_on
    session.add(task)
    session.commit()
    return task


def test_a_task_is_listed_from_its_assignment_until_the_month_it_is_finished_in(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 6, 30), assigned_on=date(2026, 4, 10))
    confirm_done(session, clock=YEAR_END, actor=office(session, org_id), task_id=task.id, finished_on=date(2026, 8, 3))
    session.commit()
    # Overdue after June, it is carried into July and August; finished in August, it drops out in September.
    assert months_listing(session, org_id, task) == [4, 5, 6, 7, 8]


def test_a_task_due_in_june_is_in_the_plan_for_june_and_in_junes_results(session, clock):
    org_id = make_ward(session, clock)
    task = with_period_start(session, make_task(session, clock, org_id, due=date(2026, 6, 30),
                                                assigned_on=date(2026, 1, 5), title="Tháng 6"), date(2026, 6, 1))
    assert months_listing(session, org_id, task) == [6, 7, 8, 9, 10, 11, 12]
    assert months_listing(session, org_id, task, plan=True) == [6, 7, 8, 9, 10, 11, 12]
    confirm_done(session, clock=YEAR_END, actor=office(session, org_id), task_id=task.id, finished_on=date(2026, 6, 20))
    session.commit()
    assert months_listing(session, org_id, task) == [6]
    assert months_listing(session, org_id, task, plan=True) == []


def test_recurring_tasks_stay_while_open_and_leave_when_cancelled(session, clock):
    org_id = make_ward(session, clock)
    recurring = make_task(session, clock, org_id, "ca", kind="recurring", assigned_on=date(2026, 1, 5))
    assert months_listing(session, org_id, recurring) == list(range(1, 13))
    cancel_task(session, clock=clock, actor=office(session, org_id), task_id=recurring.id, reason="Đã gộp.")
    session.commit()
    assert months_listing(session, org_id, recurring) == []


def test_a_task_reported_done_but_not_confirmed_is_carried_until_confirmed(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 4, 30), assigned_on=date(2026, 4, 1))
    record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                  result_text="Đã xong.", reports_completion=True, month="2026-04")
    session.commit()
    assert task.id in listed(session, org_id, "2026-06")


def test_office_staff_add_or_remove_a_task_for_one_month_only(session, clock):
    org_id = make_ward(session, clock)
    clerk = office(session, org_id)
    later = with_period_start(session, make_task(session, clock, org_id, due=date(2026, 9, 30),
                                                 assigned_on=date(2026, 1, 5)), date(2026, 9, 1))
    current = make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    set_report_override(session, clock=clock, actor=clerk, task_id=later.id, month="2026-05", include=True,
                        reason="Đã triển khai sớm trong tháng 5.")
    set_report_override(session, clock=clock, actor=clerk, task_id=current.id, month="5/2026", include=False,
                        reason="Trùng nội dung với nhiệm vụ khác.")
    session.commit()
    assert listed(session, org_id, "2026-05") == [later.id]
    assert current.id in listed(session, org_id, "2026-06") and later.id not in listed(session, org_id, "2026-06")


def test_an_override_needs_a_reason_and_a_ward_wide_role(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    with pytest.raises(InvalidInputError, match="lý do"):
        set_report_override(session, clock=clock, actor=office(session, org_id), task_id=task.id,
                            month="2026-05", include=False, reason="  ")
    with pytest.raises(ForbiddenError):
        set_report_override(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                            month="2026-05", include=False, reason="Không làm.")


def test_a_row_joins_the_months_results_and_takes_the_latest_forecast(session, clock):
    org_id = make_ward(session, clock)
    clerk, head = office(session, org_id), person(session, org_id, "tp-vhxh")
    task = make_task(session, clock, org_id, due=date(2026, 6, 30), assigned_on=date(2026, 4, 1))
    record_update(session, clock=clock, actor=head, task_id=task.id, result_text="Đã khảo sát.", month="2026-04",
                  forecast="Dự kiến hoàn thành tháng 6")
    record_update(session, clock=clock, actor=head, task_id=task.id, month="2026-05",
                  result_text="Kế hoạch số 175/KH-UBND ngày 06/5/2026", recommendation="Bổ sung kinh phí.")
    record_update(session, clock=clock, actor=clerk, task_id=task.id, month="2026-05",
                  result_text="Công văn 1556/UBND-VHXH ngày 06/5/2026", forecast="Hoàn thành trong tháng 6")
    session.commit()
    row = month_results(session, actor=clerk, month="2026-05").units[0].rows[0]
    assert row.result == "Kế hoạch số 175/KH-UBND ngày 06/5/2026\nCông văn 1556/UBND-VHXH ngày 06/5/2026"
    assert (row.forecast, row.recommendation) == ("Hoàn thành trong tháng 6", "Bổ sung kinh phí.")
    april = month_results(session, actor=clerk, month="2026-04").units[0].rows[0]
    assert (april.result, april.forecast) == ("Đã khảo sát.", "Dự kiến hoàn thành tháng 6")


def test_a_confirmed_task_is_forecast_as_done_from_its_finishing_day(session, clock):
    org_id = make_ward(session, clock)
    clerk = office(session, org_id)
    task = make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    confirm_done(session, clock=YEAR_END, actor=clerk, task_id=task.id, finished_on=date(2026, 5, 21))
    session.commit()
    assert month_results(session, actor=clerk, month="2026-05").units[0].rows[0].forecast == "Hoàn thành"
    before = month_results(session, actor=clerk, month="2026-05", until=date(2026, 5, 18))
    assert before.units[0].rows[0].forecast == ""


def test_units_are_numbered_in_appendix_order_and_their_tasks_in_entry_order(session, clock):
    org_id = make_ward(session, clock)
    police = make_task(session, clock, org_id, "ca", due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    first = make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    second = make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 2), assigned_on=date(2026, 5, 4))
    appendix = month_results(session, actor=office(session, org_id), month="2026-05", report_number="234",
                             report_date=date(2026, 5, 27))
    assert [(u.number, u.name, len(u.rows)) for u in appendix.units] == [
        (1, "Phòng Văn hóa - Xã hội", 2), (2, "Công an phường", 1)]
    assert [(r.number, r.task_id) for u in appendix.units for r in u.rows] == [
        ("1.1", first.id), ("1.2", second.id), ("2.1", police.id)]
    assert appendix.attachment_line == "(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 của Ủy ban nhân dân phường)"


def test_the_deadline_cell_shows_the_extension_beside_the_words_as_written(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 31), assigned_on=date(2026, 5, 4))
    task.deadline_text = "Tháng 5"
    session.add(task)
    session.commit()
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 30), reason="Chờ ý kiến của thành phố.")
    decide_extension(session, clock=clock, actor=person(session, org_id, "pct-vx"), request_id=request.id,
                     approve=True)
    session.commit()
    row = month_results(session, actor=office(session, org_id), month="2026-05").units[0].rows[0]
    assert row.deadline == "Tháng 5 (gia hạn đến 30/06/2026)"


def test_an_empty_month_gives_an_appendix_without_units(session, clock):
    org_id = make_ward(session, clock)
    appendix = month_plan(session, actor=office(session, org_id), month="2026-07")
    assert (appendix.units, appendix.task_count, appendix.title) == (
        (), 0, "PHƯƠNG HƯỚNG, NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ THÁNG 7 NĂM 2026")


def test_a_unit_head_cannot_make_the_wards_appendix(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(ForbiddenError):
        month_results(session, actor=person(session, org_id, "tp-vhxh"), month="2026-05")


def test_figures_count_the_status_classes_on_the_reporting_periods_last_day(session, clock: Clock):
    org_id = make_ward(session, clock)
    clerk = office(session, org_id)
    on_time = make_task(session, clock, org_id, due=date(2026, 5, 15), assigned_on=date(2026, 5, 4))
    late = make_task(session, clock, org_id, due=date(2026, 5, 8), assigned_on=date(2026, 5, 4))
    no_deadline = make_task(session, clock, org_id, "ca", assigned_on=date(2026, 5, 4))
    make_task(session, clock, org_id, due=date(2026, 5, 12), assigned_on=date(2026, 5, 4))  # overdue on the 18th
    make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))  # in time
    make_task(session, clock, org_id, "tyt", kind="recurring", assigned_on=date(2026, 1, 5))
    make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 25))  # after the 18th
    for task, day in ((on_time, date(2026, 5, 14)), (late, date(2026, 5, 11)), (no_deadline, date(2026, 5, 6))):
        confirm_done(session, clock=clock, actor=clerk, task_id=task.id, finished_on=day)
    session.commit()
    figures = month_figures(session, actor=clerk, month="2026-05")
    assert (figures.until, figures.total, figures.done_on_time, figures.done_late, figures.done_no_deadline,
            figures.in_progress_overdue, figures.in_progress_on_time, figures.recurring) == (
        date(2026, 5, 18), 6, 1, 1, 1, 1, 1, 1)
    assert figures.sentence.startswith(
        "Từ 01/5/2026 đến 18/5/2026, tổng số nhiệm vụ trọng tâm của các phòng, đơn vị là 06 nhiệm vụ. "
        "Trong đó: - Hoàn thành đúng hạn: 01; - Hoàn thành nhiệm vụ không có hạn: 01; - Hoàn thành quá hạn: 01;")
    assert month_figures(session, actor=clerk, month="2026-05", until=date(2026, 5, 31)).total == 7


def test_a_cut_off_day_outside_the_month_is_refused(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(InvalidInputError, match="không thuộc tháng 5/2026"):
        month_figures(session, actor=office(session, org_id), month="2026-05", until=date(2026, 6, 2))
    with pytest.raises(InvalidInputError, match="2026-13"):
        month_results(session, actor=office(session, org_id), month="2026-13")
