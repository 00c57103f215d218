"""Units report results and ask for more time; leaders decide."""

from datetime import date

import pytest
from sqlmodel import select

from tests.builders import make_task, make_ward, person
from tracker.errors import ConflictError, ForbiddenError, InvalidInputError
from tracker.models import AuditEvent, Role, Task, Update
from tracker.usecases import (
    add_person,
    cancel_task,
    decide_extension,
    list_extension_requests,
    record_update,
    request_extension,
)

RESULT = ("Đã ban hành Kế hoạch số 175/KH-UBND ngày 06/5/2026 và Quyết định số 1558/QĐ-UBND ngày 18/5/2026 "
          "thành lập Ban quản lý Quỹ khuyến học.")


def test_an_update_keeps_the_result_its_document_references_and_the_month(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    update = record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                           result_text=RESULT, forecast="Có khả năng hoàn thành", recommendation="Không")
    session.commit()
    assert update.month == "2026-05"
    assert update.document_refs == ["Kế hoạch số 175/KH-UBND ngày 06/5/2026",
                                    "Quyết định số 1558/QĐ-UBND ngày 18/5/2026"]
    assert session.get(Task, task.id).status == "open"


def test_an_update_that_reports_completion_marks_the_task_reported_done(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                  result_text=RESULT, reports_completion=True)
    session.commit()
    stored = session.get(Task, task.id)
    assert (stored.status, stored.finished_on) == ("reported_done", date(2026, 5, 18))


def test_an_update_may_belong_to_an_earlier_month_but_not_to_a_malformed_one(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    head = person(session, org_id, "tp-vhxh")
    assert record_update(session, clock=clock, actor=head, task_id=task.id, result_text="x", month="2026-04").month \
        == "2026-04"
    with pytest.raises(InvalidInputError, match="2026-13"):
        record_update(session, clock=clock, actor=head, task_id=task.id, result_text="x", month="2026-13")
    with pytest.raises(InvalidInputError, match="không được để trống"):
        record_update(session, clock=clock, actor=head, task_id=task.id, result_text="  ")


def test_a_cancelled_task_takes_no_update(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    cancel_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id, reason="Trùng")
    with pytest.raises(ConflictError):
        record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                      result_text="x")


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 30), reason="Chờ ý kiến của thành phố")
    assert [r.id for r in list_extension_requests(session, actor=person(session, org_id, "chu-tich"))] == [request.id]
    decided = decide_extension(session, clock=clock, actor=person(session, org_id, "pct-vx"), request_id=request.id,
                               approve=True, note="Đồng ý")
    session.commit()
    stored = session.get(Task, task.id)
    assert (stored.due_on, stored.original_due_on) == (date(2026, 6, 30), date(2026, 5, 20))
    assert decided.status == "approved" and decided.decided_by_id == person(session, org_id, "pct-vx").id
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity_id == task.id,
                                                           AuditEvent.entity == "task")).all()
    assert "extend" in actions


def test_a_second_extension_keeps_the_very_first_due_date(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    head, chair = person(session, org_id, "tp-vhxh"), person(session, org_id, "chu-tich")
    for new_due in (date(2026, 6, 30), date(2026, 7, 31)):
        request = request_extension(session, clock=clock, actor=head, task_id=task.id, requested_due_on=new_due,
                                    reason="Chưa đủ kinh phí")
        decide_extension(session, clock=clock, actor=chair, request_id=request.id, approve=True)
    stored = session.get(Task, task.id)
    assert (stored.due_on, stored.original_due_on) == (date(2026, 7, 31), date(2026, 5, 20))


def test_a_refused_extension_changes_no_date_and_cannot_be_decided_again(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    chair = person(session, org_id, "chu-tich")
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 30), reason="Chờ ý kiến")
    decide_extension(session, clock=clock, actor=chair, request_id=request.id, approve=False, note="Không đồng ý")
    session.commit()
    assert session.get(Task, task.id).due_on == date(2026, 5, 20)
    with pytest.raises(ConflictError, match="đã được quyết định"):
        decide_extension(session, clock=clock, actor=chair, request_id=request.id, approve=True)


@pytest.mark.parametrize(
    ("requested", "reason", "message"),
    [
        (date(2026, 6, 30), "  ", "lý do"),
        (date(2026, 5, 18), "Chờ ý kiến", "sau ngày hôm nay"),
        (date(2026, 5, 19), "Chờ ý kiến", "sau hạn hiện tại"),
    ],
)
def test_an_extension_request_needs_a_reason_and_a_later_date(session, clock, requested, reason, message):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    with pytest.raises(InvalidInputError, match=message):
        request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                          requested_due_on=requested, reason=reason)


def test_office_staff_cannot_decide_an_extension(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 30), reason="Chờ ý kiến")
    with pytest.raises(ForbiddenError, match="duyệt gia hạn"):
        decide_extension(session, clock=clock, actor=person(session, org_id, "van-thu"), request_id=request.id,
                         approve=True)


def test_a_member_who_may_not_report_completion_leaves_no_update_behind(session, clock):
    # Regression: the update used to be written before the completion was refused, so a caller that
    # committed after catching the error stored a "finished" report on a task still open.
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    member = add_person(session, clock=clock, actor=person(session, org_id, "quan-tri"), key="cb-vhxh",
                        name="Cán bộ Văn hóa", role=Role.MEMBER, unit_id=task.owner_unit_id)
    session.commit()
    with pytest.raises(ForbiddenError):
        record_update(session, clock=clock, actor=member, task_id=task.id, result_text=RESULT,
                      reports_completion=True)
    session.commit()
    assert session.exec(select(Update)).all() == []


def test_an_extension_cannot_be_approved_for_a_task_cancelled_meanwhile(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 30), reason="Chờ ý kiến")
    cancel_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id, reason="Trùng")
    session.commit()
    with pytest.raises(ConflictError, match="không còn đang thực hiện"):
        decide_extension(session, clock=clock, actor=person(session, org_id, "chu-tich"), request_id=request.id,
                         approve=True)


def ask(session, clock, head, task, day: date):  # type: ignore[no-untyped-def]
    """The unit head asks for the task to be extended to `day`."""
    return request_extension(session, clock=clock, actor=head, task_id=task.id, requested_due_on=day,
                             reason="Chờ ý kiến")


def test_only_the_supervising_leader_or_the_chairman_decides_an_extension(session, clock):
    # Why: any leader could decide any request with /duyet_gh N or `task decide`; only the buttons checked.
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))  # Phòng Văn hóa - Xã hội: pct-vx supervises
    head = person(session, org_id, "tp-vhxh")
    first, second = (ask(session, clock, head, task, day) for day in (date(2026, 6, 30), date(2026, 7, 31)))

    with pytest.raises(ForbiddenError, match="người duyệt: Khúc Đình Phong hoặc Chủ tịch UBND"):
        decide_extension(session, clock=clock, actor=person(session, org_id, "pct-kt"), request_id=first.id,
                         approve=True)
    assert decide_extension(session, clock=clock, actor=person(session, org_id, "pct-vx"), request_id=first.id,
                            approve=False).status == "refused"
    assert decide_extension(session, clock=clock, actor=person(session, org_id, "chu-tich"), request_id=second.id,
                            approve=True).status == "approved"


def test_approving_a_later_request_closes_the_earlier_one_which_can_no_longer_move_the_date_back(session, clock):
    # Why: approving the older request after the newer one moved the deadline earlier again.
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    head, leader = person(session, org_id, "tp-vhxh"), person(session, org_id, "pct-vx")
    older = ask(session, clock, head, task, date(2026, 6, 30))
    newer = ask(session, clock, head, task, date(2026, 7, 31))

    decide_extension(session, clock=clock, actor=leader, request_id=newer.id, approve=True)
    session.refresh(older)
    assert older.status == "superseded" and "đề nghị số" in older.decision_note
    with pytest.raises(ConflictError):
        decide_extension(session, clock=clock, actor=leader, request_id=older.id, approve=True)
    assert session.get(Task, task.id).due_on == date(2026, 7, 31)


def test_a_request_no_later_than_the_due_date_in_force_cannot_be_approved(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    head, leader = person(session, org_id, "tp-vhxh"), person(session, org_id, "pct-vx")
    early = ask(session, clock, head, task, date(2026, 6, 30))
    task.due_on = date(2026, 7, 15)  # moved meanwhile by the office, as `task update --due` does
    session.add(task)
    session.flush()

    with pytest.raises(ConflictError, match="không sau hạn đang áp dụng"):
        decide_extension(session, clock=clock, actor=leader, request_id=early.id, approve=True)
