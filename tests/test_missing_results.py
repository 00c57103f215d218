"""tasks_missing_results: the tasks of a month's report that have no result for the month yet."""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders import make_task, make_ward, person, unit
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.usecases import cancel_task, confirm_done, record_update
from tracker.usecases.missing import tasks_missing_results


def ids(tasks) -> list[int]:
    return [t.id for t in tasks]


def test_open_tasks_assigned_by_the_months_end_miss_a_result_until_one_is_recorded(session, clock):
    org_id = make_ward(session, clock)
    office = person(session, org_id, "van-thu")
    may = make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 7))
    june = make_task(session, clock, org_id, due=date(2026, 6, 30), assigned_on=date(2026, 6, 2))
    recurring = make_task(session, clock, org_id, "ca", kind="recurring", assigned_on=date(2026, 1, 5))
    reported = make_task(session, clock, org_id, "ca", due=date(2026, 5, 15), assigned_on=date(2026, 5, 7))
    record_update(session, clock=clock, actor=office, task_id=reported.id, result_text="Đã ban hành Kế hoạch.",
                  month="2026-05")
    record_update(session, clock=clock, actor=office, task_id=may.id, result_text="Đang triển khai.",
                  month="2026-04")
    session.commit()
    # Appendix order: Phòng Văn hóa - Xã hội (1) before Công an phường (7); a result of April does not count.
    assert ids(tasks_missing_results(session, actor=office, month="2026-05")) == [may.id, recurring.id]
    assert june.id in ids(tasks_missing_results(session, actor=office, month="2026-06"))


def test_tasks_finished_during_the_month_count_and_earlier_or_cancelled_ones_do_not(session, clock):
    org_id = make_ward(session, clock)
    office = person(session, org_id, "van-thu")
    finished_in_may = make_task(session, clock, org_id, due=date(2026, 5, 15), assigned_on=date(2026, 4, 2))
    finished_in_april = make_task(session, clock, org_id, due=date(2026, 4, 30), assigned_on=date(2026, 4, 2))
    cancelled = make_task(session, clock, org_id, due=date(2026, 5, 30), assigned_on=date(2026, 5, 4))
    confirm_done(session, clock=clock, actor=office, task_id=finished_in_may.id, finished_on=date(2026, 5, 12))
    confirm_done(session, clock=clock, actor=office, task_id=finished_in_april.id, finished_on=date(2026, 4, 28))
    cancel_task(session, clock=clock, actor=office, task_id=cancelled.id, reason="Trùng với nhiệm vụ khác.")
    session.commit()
    assert ids(tasks_missing_results(session, actor=office, month="2026-05")) == [finished_in_may.id]


def test_a_unit_head_sees_only_the_own_units_missing_results(session, clock):
    org_id = make_ward(session, clock)
    own = make_task(session, clock, org_id, due=date(2026, 5, 29), assigned_on=date(2026, 5, 7))
    make_task(session, clock, org_id, "ca", due=date(2026, 5, 29), assigned_on=date(2026, 5, 7))
    head = person(session, org_id, "tp-vhxh")
    assert ids(tasks_missing_results(session, actor=head, month="2026-05")) == [own.id]
    with pytest.raises(ForbiddenError):
        tasks_missing_results(session, actor=head, month="2026-05", unit_id=unit(session, org_id, "ca").id)


def test_a_malformed_month_is_refused(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(InvalidInputError, match="2026-13"):
        tasks_missing_results(session, actor=person(session, org_id, "van-thu"), month="2026-13")
