"""Extensions through the dialog: /giahan with a date in words, its confirmation and reason, the leader's
notice in the outbox, and the leader's decision by command or button."""

from datetime import date

import pytest
from builders import make_task, person
from dialog_helpers import bind, rows

from jobs.runner import run_job
from tracker.models import ExtensionRequest, ExtensionStatus, Notification, Task


def _ask(head, reason="chờ ý kiến của thành phố"):
    head.send("/giahan")
    head.press("1")
    head.send("cuối tháng 6")
    head.press("Đồng ý")
    return head.send(reason)


def test_giahan_reads_a_date_in_words_confirms_it_asks_a_reason_and_tells_the_leader(session, clock, engine,
                                                                                    org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    leader_id = person(session, org_id, "pct-vx").id
    session.commit()  # ends the read: no transaction may stay open on SQLite while others write
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert "Chọn nhiệm vụ cần xin gia hạn" in head.send("/giahan")
    assert "Xin gia hạn đến ngày nào" in head.press("1")
    assert head.send("cuối tháng 6") == "Gia hạn đến 30/06/2026?"
    assert head.labels == ["Đồng ý", "Sửa", "Thoát"]
    assert "Lý do xin gia hạn" in head.press("Đồng ý")
    reply = head.send("Chờ ý kiến của UBND thành phố")
    assert "Đã gửi đề nghị gia hạn nhiệm vụ" in reply and "đồng chí Khúc Đình Phong" in reply
    [request] = rows(engine, ExtensionRequest)
    assert (request.task_id, request.requested_due_on, request.reason) == (
        task.id, date(2026, 6, 30), "Chờ ý kiến của UBND thành phố")
    [notice] = rows(engine, Notification)
    assert (notice.person_id, notice.kind) == (leader_id, "extension_request")
    assert f"/duyet_gh {request.id}" in notice.body and f"/tuchoi_gh {request.id}" in notice.body
    assert "đến ngày 30/06/2026 (hạn hiện tại 30/05/2026)" in notice.body and "Chờ ý kiến" in notice.body


def test_the_date_and_the_reason_fit_in_one_message(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/giahan 1")
    reply = head.send("xin gia hạn đến 15/7/2026 vì chờ ý kiến của thành phố")
    assert reply == "Gia hạn đến 15/07/2026?\nLý do: chờ ý kiến của thành phố"
    assert "Đã gửi đề nghị" in head.send("đồng ý")
    assert [(r.requested_due_on, r.reason) for r in rows(engine, ExtensionRequest)] == [
        (date(2026, 7, 15), "chờ ý kiến của thành phố")]


@pytest.mark.parametrize("words, says", [
    ("31/6/2026", "không có thật"),
    ("thường xuyên", "Không hiểu ngày"),
    ("khi nào xong", "Không hiểu ngày"),
    ("15/5/2026", "phải sau hôm nay"),
    ("25/5/2026", "phải sau hạn hiện tại (30/05/2026)"),
])
def test_a_date_that_names_no_later_day_is_asked_again_with_examples(session, clock, engine, org_id, dialog,
                                                                      words, says):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/giahan 1")
    reply = head.send(words)
    assert says in reply and "Gửi /thoat để dừng." in reply
    assert "Gia hạn đến 30/06/2026?" in head.send("30/6/2026")
    assert rows(engine, ExtensionRequest) == []


def test_sua_asks_for_the_date_again(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/giahan 1")
    head.send("cuối tháng 6")
    assert "Xin gia hạn đến ngày nào" in head.press("Sửa")
    assert head.send("tháng 7") == "Gia hạn đến 31/07/2026?"
    head.press("Đồng ý")
    head.send("Chờ kinh phí")
    assert [r.requested_due_on for r in rows(engine, ExtensionRequest)] == [date(2026, 7, 31)]


def test_the_leader_approves_with_the_command_and_the_unit_head_is_told(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    _ask(head)
    [request] = rows(engine, ExtensionRequest)
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    reply = leader.send(f"/duyet_gh {request.id}")
    assert reply == f"Đã đồng ý gia hạn nhiệm vụ #{task.id} đến 30/06/2026. Đơn vị sẽ nhận được thông báo."
    [stored] = rows(engine, Task)
    assert (stored.due_on, stored.original_due_on) == (date(2026, 6, 30), date(2026, 5, 30))
    run_job(engine, clock, "extensions", at=clock.now())
    told = [n for n in rows(engine, Notification) if n.kind == "extension"]
    assert len(told) == 1 and "đã được đồng ý" in told[0].body
    assert "đã được quyết định trước đó" in leader.send(f"/tuchoi_gh {request.id} Không cần")


def test_the_leader_refuses_with_a_reason(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    _ask(head)
    [request] = rows(engine, ExtensionRequest)
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    assert "Lý do không đồng ý" in leader.send(f"/tuchoi_gh {request.id}")
    assert "Lý do: Cần hoàn thành đúng hạn" in leader.send("Cần hoàn thành đúng hạn")
    [decided] = rows(engine, ExtensionRequest)
    assert (decided.status, decided.decision_note) == (ExtensionStatus.REFUSED, "Cần hoàn thành đúng hạn")
    assert rows(engine, Task)[0].due_on == date(2026, 5, 30)


def test_the_leader_decides_from_the_pending_list_with_a_button(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    _ask(head)
    [request] = rows(engine, ExtensionRequest)
    leader = bind(session, clock, dialog, org_id, "chu-tich")
    assert "1 đề nghị gia hạn đang chờ duyệt" in leader.send("/duyet_gh")
    assert "Đã đồng ý" in leader.press(f"Đồng ý số {request.id}")
    assert rows(engine, ExtensionRequest)[0].status == ExtensionStatus.APPROVED
    assert leader.send("/duyet_gh") == "Không có đề nghị gia hạn nào đang chờ duyệt."


def test_only_a_leader_decides_an_extension(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    _ask(head)
    [request] = rows(engine, ExtensionRequest)
    assert head.send(f"/duyet_gh {request.id}") == "Ông Văn Lạc không có quyền duyệt gia hạn."
    assert head.send("/duyet_gh") == "Ông Văn Lạc không có quyền duyệt gia hạn."
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert "không có quyền duyệt gia hạn" in office.send(f"/duyet_gh {request.id}")
    assert rows(engine, ExtensionRequest)[0].status == ExtensionStatus.PENDING


def test_the_leaders_message_carries_one_tap_buttons_valid_only_in_the_leaders_chat(session, clock, engine, org_id,
                                                                                    dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    _ask(head)
    [request] = rows(engine, ExtensionRequest)
    [notice] = rows(engine, Notification, Notification.kind == "extension_request")
    assert [b["label"] for b in notice.buttons[0]] == [f"Đồng ý số {request.id}", f"Không đồng ý số {request.id}"]
    approve, refuse = (b["data"] for b in notice.buttons[0])
    # The unit head cannot use the leader's button, even with its data in hand (a forwarded message).
    assert "Nút này không dành cho" in head.send(button=approve)
    assert rows(engine, ExtensionRequest)[0].status == ExtensionStatus.PENDING
    assert "Lý do không đồng ý" in leader.send(button=refuse)
    leader.send("/thoat")
    assert "Đã đồng ý" in leader.send(button=approve)
    assert rows(engine, ExtensionRequest)[0].status == ExtensionStatus.APPROVED


def test_a_leader_without_a_chat_gets_the_request_without_buttons(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    _ask(bind(session, clock, dialog, org_id, "tp-vhxh"))
    [notice] = rows(engine, Notification, Notification.kind == "extension_request")
    assert (notice.channel, notice.buttons) == ("log", [])


def test_a_leader_who_does_not_supervise_the_unit_cannot_decide_by_command(session, clock, engine, org_id, dialog):
    # Why: only the buttons checked the supervising leader; /duyet_gh N worked for any leader.
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    session.commit()
    _ask(bind(session, clock, dialog, org_id, "tp-vhxh"))
    [request] = rows(engine, ExtensionRequest)
    other = bind(session, clock, dialog, org_id, "pct-kt")

    answer = other.send(f"/duyet_gh {request.id}")

    assert "không có quyền duyệt gia hạn nhiệm vụ này" in answer and "Khúc Đình Phong" in answer
    assert [r.status for r in rows(engine, ExtensionRequest)] == [ExtensionStatus.PENDING]
