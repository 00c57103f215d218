"""The task use cases: create, update, report done, confirm, reopen, cancel — each audited, none deleting."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.builders import make_task, make_ward, person, unit
from tracker.errors import ConflictError, InvalidInputError, NotFoundError
from tracker.models import AuditEvent, Task
from tracker.usecases import (
    TaskChanges,
    TaskDraft,
    cancel_task,
    confirm_done,
    create_task,
    reopen_task,
    report_done,
    update_task,
)


def _events(session, task_id):
    query = select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == task_id)
    return session.exec(query.order_by(AuditEvent.id)).all()


def test_a_new_task_is_open_assigned_today_and_supervised_by_its_units_leader(session, clock):
    org_id = make_ward(session, clock)
    draft = TaskDraft(
        title="  Thành lập Ban quản lý Quỹ khuyến học  ", owner_unit_id=unit(session, org_id, "vhxh").id,
        coordinating_unit_ids=[unit(session, org_id, "vp").id], outside_bodies=["PCCC Khu vực 5"],
        deadline_text="hoàn thành trước ngày 15/5/2026", due_on=date(2026, 5, 15),
    )
    task = create_task(session, clock=clock, actor=person(session, org_id, "van-thu"), draft=draft)
    session.commit()
    assert task.title == "Thành lập Ban quản lý Quỹ khuyến học"
    assert (task.status, task.deadline_kind, task.assigned_on) == ("open", "date", date(2026, 5, 18))
    assert task.supervising_leader_id == person(session, org_id, "pct-vx").id
    assert task.outside_bodies == ["PCCC Khu vực 5"]
    [event] = _events(session, task.id)
    assert (event.action, event.before, event.after["title"]) == ("create", None, task.title)


def test_a_task_without_a_title_is_refused(session, clock):
    org_id = make_ward(session, clock)
    draft = TaskDraft(title="   ", owner_unit_id=unit(session, org_id, "vhxh").id)
    with pytest.raises(InvalidInputError, match="không được để trống"):
        create_task(session, clock=clock, actor=person(session, org_id, "van-thu"), draft=draft)


def test_a_task_cannot_be_given_to_a_unit_of_another_ward(session, clock):
    org_id = make_ward(session, clock)
    other = make_ward(session, clock, "phuong-khac")
    draft = TaskDraft(title="Việc", owner_unit_id=unit(session, other, "vhxh").id)
    with pytest.raises(NotFoundError):
        create_task(session, clock=clock, actor=person(session, org_id, "van-thu"), draft=draft)


def test_an_update_records_the_row_before_and_after(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 31))
    clerk = person(session, org_id, "van-thu")
    update_task(session, clock=clock, actor=clerk, task_id=task.id,
                changes=TaskChanges(title="Việc đã sửa", due_on=date(2026, 6, 15)))
    session.commit()
    event = _events(session, task.id)[-1]
    assert event.before["title"] == "Rà soát đối tượng bảo trợ xã hội" and event.after["title"] == "Việc đã sửa"
    assert (event.before["due_on"], event.after["due_on"]) == ("2026-05-31", "2026-06-15")
    assert event.actor_id == clerk.id and event.channel == "cli"
    assert session.get(Task, task.id).version == 2


def test_the_full_lifecycle_from_open_to_done_keeps_the_day_the_unit_finished(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)
    session.commit()
    clock.advance(timedelta(days=3))
    confirmed = confirm_done(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id)
    session.commit()
    assert (confirmed.status, confirmed.finished_on) == ("done", date(2026, 5, 18))
    assert [e.action for e in _events(session, task.id)] == ["create", "report_done", "confirm_done"]


def test_reporting_done_twice_is_harmless(session, clock):
    # A unit head may tap "đã xong" twice; the second tap must not fail nor write a second event.
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    head = person(session, org_id, "tp-vhxh")
    report_done(session, clock=clock, actor=head, task_id=task.id)
    report_done(session, clock=clock, actor=head, task_id=task.id)
    session.commit()
    assert [e.action for e in _events(session, task.id)] == ["create", "report_done"]


def test_confirming_an_open_task_directly_can_name_the_day_it_was_finished(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    done = confirm_done(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id,
                        finished_on=date(2026, 5, 12))
    assert done.finished_on == date(2026, 5, 12)


def test_a_finishing_day_in_the_future_is_refused(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    with pytest.raises(InvalidInputError):
        confirm_done(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id,
                     finished_on=date(2026, 6, 1))


def test_reopening_needs_a_reason_and_forgets_the_finishing_day(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    clerk = person(session, org_id, "van-thu")
    confirm_done(session, clock=clock, actor=clerk, task_id=task.id)
    with pytest.raises(InvalidInputError, match="lý do"):
        reopen_task(session, clock=clock, actor=clerk, task_id=task.id, reason=" ")
    reopened = reopen_task(session, clock=clock, actor=clerk, task_id=task.id, reason="Kế hoạch chưa được ký")
    session.commit()
    assert (reopened.status, reopened.finished_on, reopened.status_reason) == ("open", None, "Kế hoạch chưa được ký")
    assert _events(session, task.id)[-1].reason == "Kế hoạch chưa được ký"


def test_an_open_task_cannot_be_reopened(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    with pytest.raises(ConflictError, match="đang thực hiện"):
        reopen_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id, reason="x")


def test_a_cancelled_task_is_kept_with_its_reason_and_accepts_no_more_changes_of_status(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id)
    clerk = person(session, org_id, "van-thu")
    cancel_task(session, clock=clock, actor=clerk, task_id=task.id, reason="Trùng với nhiệm vụ số 3")
    session.commit()
    stored = session.get(Task, task.id)
    assert (stored.status, stored.status_reason) == ("cancelled", "Trùng với nhiệm vụ số 3")
    with pytest.raises(ConflictError):
        cancel_task(session, clock=clock, actor=clerk, task_id=task.id, reason="lần nữa")
    with pytest.raises(ConflictError):
        confirm_done(session, clock=clock, actor=clerk, task_id=task.id)
    with pytest.raises(ConflictError):
        report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)


def test_a_missing_task_is_reported_by_its_number(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(NotFoundError, match="nhiệm vụ số 4242"):
        confirm_done(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=4242)


def test_a_task_moved_to_another_unit_takes_that_units_supervising_leader(session, clock):
    # Why: the old unit's leader stayed in charge, got its digest lines and decided its extensions.
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, "vhxh")  # supervised by pct-vx
    clerk = person(session, org_id, "van-thu")

    moved = update_task(session, clock=clock, actor=clerk, task_id=task.id,
                        changes=TaskChanges(owner_unit_id=unit(session, org_id, "kthtdt").id))

    assert moved.supervising_leader_id == person(session, org_id, "pct-kt").id
    named = update_task(session, clock=clock, actor=clerk, task_id=task.id,
                        changes=TaskChanges(owner_unit_id=unit(session, org_id, "vhxh").id,
                                            supervising_leader_id=person(session, org_id, "chu-tich").id))
    assert named.supervising_leader_id == person(session, org_id, "chu-tich").id
