"""Office staff's commands in the dialog: /duyet, /mo and /huy with their reasons, /thieu and /phuluc."""

from datetime import date

import pytest
from builders import make_task, make_ward, person
from dialog_helpers import bind, rows

from bots.dialog import Dialog
from tracker.models import Task, TaskStatus
from tracker.usecases.tasks import report_done


@pytest.fixture
def org_id(session, clock):
    return make_ward(session, clock)


@pytest.fixture
def dialog(engine, clock):
    return Dialog(engine, clock)


def _reported(session, clock, org_id, title="Rà soát hộ nghèo"):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30), title=title)
    report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)
    session.commit()
    return task


def _status(engine, task):
    return next(t for t in rows(engine, Task) if t.id == task.id)


def test_duyet_lists_the_reported_tasks_and_xac_nhan_confirms_one(session, clock, engine, org_id, dialog):
    first = _reported(session, clock, org_id)
    second = _reported(session, clock, org_id, "Tổng kết phong trào")
    office = bind(session, clock, dialog, org_id, "van-thu")
    reply = office.send("/duyet")
    assert reply.startswith("2 nhiệm vụ đơn vị báo đã hoàn thành, chờ xác nhận:")
    assert office.labels == ["Xác nhận 1", "Mở lại 1", "Xác nhận 2", "Mở lại 2"]
    confirm = office.button("Xác nhận 1")
    assert office.press("Xác nhận 1") == f"Đã xác nhận hoàn thành nhiệm vụ #{first.id}: Rà soát hộ nghèo"
    assert _status(engine, first).status == TaskStatus.DONE
    assert _status(engine, second).status == TaskStatus.REPORTED_DONE
    again = office.send(button=confirm.data)  # the use case refuses a second confirmation
    assert again == f"Không thể xác nhận hoàn thành nhiệm vụ số {first.id} vì nhiệm vụ đã hoàn thành."
    assert office.send("/duyet").startswith("1 nhiệm vụ")


def test_mo_lai_from_duyet_asks_a_reason_then_reopens(session, clock, engine, org_id, dialog):
    task = _reported(session, clock, org_id)
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    leader.send("/duyet")
    assert "Lý do mở lại nhiệm vụ?" in leader.press("Mở lại 1")
    assert _status(engine, task).status == TaskStatus.REPORTED_DONE
    assert "Lý do: Chưa có văn bản kèm theo" in leader.send("Chưa có văn bản kèm theo")
    stored = _status(engine, task)
    assert (stored.status, stored.status_reason) == (TaskStatus.OPEN, "Chưa có văn bản kèm theo")


def test_mo_reopens_a_done_task_picked_from_the_list(session, clock, engine, org_id, dialog):
    task = _reported(session, clock, org_id)
    office = bind(session, clock, dialog, org_id, "van-thu")
    office.send("/duyet")
    office.press("Xác nhận 1")
    assert office.send("/mo").startswith("Chọn nhiệm vụ cần mở lại:")
    assert "Lý do mở lại" in office.press("1")
    assert f"Đã mở lại nhiệm vụ #{task.id}" in office.send("Báo cáo nhầm")
    assert _status(engine, task).status == TaskStatus.OPEN


def test_huy_requires_a_reason_before_anything_changes(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert "Lý do hủy nhiệm vụ?" in office.send(f"/huy #{task.id}")
    assert _status(engine, task).status == TaskStatus.OPEN
    assert office.send("/thoat") == "Đã thoát. Chưa có gì được lưu thêm."
    assert _status(engine, task).status == TaskStatus.OPEN
    office.send("/huy")
    office.press("1")
    assert f"Đã hủy nhiệm vụ #{task.id}" in office.send("Trùng với nhiệm vụ khác")
    stored = _status(engine, task)
    assert (stored.status, stored.status_reason) == (TaskStatus.CANCELLED, "Trùng với nhiệm vụ khác")


@pytest.mark.parametrize("command", ["/duyet", "/mo", "/huy"])
def test_a_unit_head_is_refused_politely(session, clock, engine, org_id, dialog, command):
    _reported(session, clock, org_id)
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert head.send(command).startswith("Lệnh này dành cho lãnh đạo UBND phường và Văn phòng.")
    assert head.labels == []
