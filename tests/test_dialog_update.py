"""Reporting through the dialog: /capnhat (buttons, numbers and words, free text), a reply to the morning
reminder, and /xong."""

from datetime import date

from builders import make_task, person, unit
from dialog_helpers import bind, rows

from bots.dialog import ChannelCaps, Dialog, numbered_text, texts
from jobs.runner import run_job
from tracker.models import Notification, Role, Task, TaskStatus, Update
from tracker.usecases import TaskChanges, add_person, update_task


def _member(session, clock, org_id):
    add_person(session, clock=clock, actor=person(session, org_id, "quan-tri"), key="cb-vhxh", name="Lý Thị Mơ",
               role=Role.MEMBER, unit_id=unit(session, org_id, "vhxh").id)
    session.commit()


def test_capnhat_records_an_update_with_forecast_recommendation_and_completion(session, clock, engine, org_id,
                                                                               dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30), title="Rà soát hộ nghèo")
    task = make_task(session, clock, org_id, due=date(2026, 5, 10), title="Tổ chức Tháng hành động vì trẻ em")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert "Chọn nhiệm vụ cần báo cáo kết quả" in head.send("/capnhat")
    assert "Nhập kết quả thực hiện" in head.press("1")
    reply = head.send("Đã ban hành Kế hoạch số 175/KH-UBND ngày 06/5/2026")
    assert "Dự báo" in reply
    assert head.labels == ["Hoàn thành trong tháng", "Dự kiến hoàn thành tháng sau", "Chưa xác định", "Thoát"]
    assert "Kiến nghị" in head.press("Hoàn thành trong tháng")
    assert head.press("Không có") == "Nhiệm vụ đã hoàn thành chưa?"
    reply = head.press("Có")
    assert f"Đã ghi báo cáo tháng 05/2026 của nhiệm vụ #{task.id}." in reply and "chờ Văn phòng xác nhận" in reply
    [update] = rows(engine, Update)
    assert (update.task_id, update.month, update.channel) == (task.id, "2026-05", "telegram")
    assert update.result_text == "Đã ban hành Kế hoạch số 175/KH-UBND ngày 06/5/2026"
    assert update.document_refs == ["Kế hoạch số 175/KH-UBND ngày 06/5/2026"]
    assert (update.forecast, update.recommendation, update.reports_completion) == ("Hoàn thành trong tháng", "", True)
    assert rows(engine, Task, Task.id == task.id)[0].status == TaskStatus.REPORTED_DONE


def test_capnhat_takes_a_forecast_and_a_recommendation_in_free_text(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send(f"/capnhat #{task.id}")
    head.send("Đã rà soát 120 hộ")
    head.send("Hoàn thành trước ngày 25/5")
    head.send("Đề nghị UBND phường bổ sung kinh phí")
    head.send("chưa")
    [update] = rows(engine, Update)
    assert (update.forecast, update.recommendation) == (
        "Hoàn thành trước ngày 25/5", "Đề nghị UBND phường bổ sung kinh phí")
    assert update.reports_completion is False
    assert rows(engine, Task)[0].status == TaskStatus.OPEN


def test_capnhat_without_buttons_shows_numbered_choices_and_understands_numbers_and_words(
        session, clock, engine, org_id):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    zalo = bind(session, clock, Dialog(engine, clock, channel_caps=ChannelCaps(buttons=False, files=False)),
                org_id, "tp-vhxh", chat_id="z-1", channel="zalo")
    zalo.send("/capnhat")
    assert numbered_text(zalo.last[0]).endswith("Trả lời số 1 để chọn, 2 = Thoát.")
    zalo.send("1")
    zalo.send("Đã rà soát 120 hộ")
    assert numbered_text(zalo.last[0]).endswith(
        "Trả lời 1 = Hoàn thành trong tháng, 2 = Dự kiến hoàn thành tháng sau, 3 = Chưa xác định, 4 = Thoát.")
    zalo.send("2")
    zalo.send("khong co")
    assert "Đã ghi báo cáo" in zalo.send("Có")
    [update] = rows(engine, Update)
    assert (update.channel, update.forecast, update.recommendation) == ("zalo", "Dự kiến hoàn thành tháng sau", "")
    assert update.reports_completion is True


def test_a_member_reports_a_result_without_being_asked_whether_the_task_is_finished(session, clock, engine, org_id,
                                                                                    dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    _member(session, clock, org_id)
    member = bind(session, clock, dialog, org_id, "cb-vhxh")
    for answer in ("/capnhat", "1", "Đã rà soát 120 hộ", "Chưa xác định"):
        member.send(answer)
    assert "Đã ghi báo cáo" in member.press("Không có")
    assert [u.reports_completion for u in rows(engine, Update)] == [False]


def test_a_long_result_is_refused_and_asked_again(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/capnhat")
    head.send("1")
    assert texts.TOO_LONG.format(limit=3000) in head.send("x" * 10_000)
    assert "Dự báo" in head.send("Đã rà soát 120 hộ")


def test_a_step_asks_again_whether_the_person_may_still_report_on_the_task(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/capnhat")
    head.send("1")
    update_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id,
                changes=TaskChanges(owner_unit_id=unit(session, org_id, "kthtdt").id))
    session.commit()
    reply = head.send("Đã rà soát 120 hộ")
    assert reply == "Ông Văn Lạc không có quyền báo cáo kết quả nhiệm vụ này. Thao tác đã dừng."
    assert rows(engine, Update) == []


def _reminder_for(engine, clock, session, org_id, key):
    person_id = person(session, org_id, key).id
    session.commit()  # ends the read: no transaction may stay open on SQLite while others write
    run_job(engine, clock, "daily", at=clock.now())
    [notice] = rows(engine, Notification, Notification.person_id == person_id)
    return notice.body


def test_replying_to_a_reminder_of_one_task_takes_the_reply_as_its_result(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 12), title="Tổ chức Tháng hành động vì trẻ em")
    make_task(session, clock, org_id, due=date(2026, 7, 30), title="Chưa đến hạn nhắc")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    reminder = _reminder_for(engine, clock, session, org_id, "tp-vhxh")
    reply = head.send("Đã tổ chức lễ phát động ngày 15/5/2026", reply_to=reminder)
    assert "Kết quả: «Đã tổ chức lễ phát động ngày 15/5/2026»" in reply and "Dự báo" in reply
    head.press("Hoàn thành trong tháng")
    head.press("Không có")
    head.press("Chưa")
    assert [(u.task_id, u.result_text) for u in rows(engine, Update)] == [
        (task.id, "Đã tổ chức lễ phát động ngày 15/5/2026")]


def test_replying_to_a_reminder_of_several_tasks_offers_those_tasks(session, clock, engine, org_id, dialog):
    first = make_task(session, clock, org_id, due=date(2026, 5, 12), title="Tổ chức Tháng hành động vì trẻ em")
    make_task(session, clock, org_id, due=date(2026, 7, 30), title="Chưa đến hạn nhắc")
    second = make_task(session, clock, org_id, due=date(2026, 5, 14), title="Kiểm tra an toàn thực phẩm")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    reminder = _reminder_for(engine, clock, session, org_id, "tp-vhxh")
    reply = head.send("Báo cáo kết quả tháng này", reply_to=reminder)
    assert "nhiệm vụ nào" in reply and "Chưa đến hạn nhắc" not in reply
    assert head.labels == ["1", "2", "Thoát"]
    assert "Kết quả: «Báo cáo kết quả tháng này»" in head.press("2")
    head.send("Chưa xác định")
    head.send("Không có")
    head.send("Chưa")
    assert [u.task_id for u in rows(engine, Update)] == [second.id]
    assert first.id != second.id


def test_a_member_cannot_report_a_task_done_with_xong(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    _member(session, clock, org_id)
    member = bind(session, clock, dialog, org_id, "cb-vhxh")
    assert member.send("/xong") == "Lý Thị Mơ không có quyền báo hoàn thành nhiệm vụ này."
    assert member.send("/xong 1") == "Lý Thị Mơ không có quyền báo hoàn thành nhiệm vụ này."
    assert rows(engine, Task)[0].status == TaskStatus.OPEN


def test_xong_reports_the_chosen_task_done(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30), title="Rà soát hộ nghèo")
    task = make_task(session, clock, org_id, due=date(2026, 5, 10), title="Tổ chức Tháng hành động vì trẻ em")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert "Chọn nhiệm vụ đã hoàn thành" in head.send("/xong")
    assert f"Đã báo hoàn thành nhiệm vụ #{task.id}" in head.press("1")
    assert [t.status for t in rows(engine, Task)] == [TaskStatus.OPEN, TaskStatus.REPORTED_DONE]
    assert "Tháng hành động" not in head.send("/xong")
