"""The dialog through Dialog.handle on a real database: strangers and binding, the task lists, buttons and
who may press them, events delivered twice, restarts, expired steps and errors. Reporting and extensions
have files of their own (test_dialog_update.py, test_dialog_extension.py)."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

from builders import make_task, person, unit
from dialog_helpers import Chat, bind, rows

from bots.dialog import Dialog, texts
from bots.messages import InboundFile
from tracker.models import ChatIdentity, Conversation, Role, Task, TaskStatus, Update
from tracker.usecases import TaskChanges, add_person, cancel_task, issue_invite, update_task


def _code(session, clock, org_id, key):
    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id)
    session.commit()
    return invite.code


def _member(session, clock, org_id, key="cb-vhxh"):
    add_person(session, clock=clock, actor=person(session, org_id, "quan-tri"), key=key, name="Lý Thị Mơ",
               role=Role.MEMBER, title="Chuyên viên", unit_id=unit(session, org_id, "vhxh").id)
    session.commit()


def _move(session, clock, org_id, task, unit_key):
    update_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id,
                changes=TaskChanges(owner_unit_id=unit(session, org_id, unit_key).id))
    session.commit()


def test_a_stranger_gets_only_the_binding_help_whatever_they_send(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    stranger = Chat(dialog, "stranger")
    for text in ("/viec", "xin chào", f"/capnhat #{task.id}", "1", "/start", ""):
        assert stranger.send(text) == texts.BIND_HELP
        assert stranger.last[0].buttons == ()
    assert stranger.send(button=head.button("1").data) == texts.BIND_HELP
    assert rows(engine, Conversation, Conversation.chat_id == "stranger") == []


def test_start_with_an_invite_code_binds_the_chat_and_greets_the_person_by_name_and_title(
        session, clock, engine, org_id, dialog):
    chat = Chat(dialog, "5551001")
    reply = chat.send(f"/start {_code(session, clock, org_id, 'tp-vhxh')}")
    assert "Ông Văn Lạc, Trưởng phòng Văn hóa - Xã hội" in reply
    assert "Phòng Văn hóa - Xã hội" in reply and "/viec" in reply and "/capnhat" in reply
    [identity] = rows(engine, ChatIdentity)
    assert (identity.channel, identity.external_id) == ("telegram", "5551001")
    assert chat.send("/viec") != texts.BIND_HELP


def test_the_code_alone_binds_a_zalo_chat(session, clock, engine, org_id, dialog):
    chat = Chat(dialog, "z-100", channel="zalo")
    assert "Tài khoản Zalo này đã được liên kết" in chat.send(_code(session, clock, org_id, "tp-vhxh").lower())
    assert [i.channel for i in rows(engine, ChatIdentity)] == ["zalo"]


def test_a_used_wrong_or_expired_code_gets_the_use_case_message_and_binds_nothing(session, clock, engine, org_id,
                                                                                  dialog):
    code = _code(session, clock, org_id, "tp-vhxh")
    Chat(dialog, "first").send(f"/start {code}")
    second = Chat(dialog, "second")
    assert "không dùng được" in second.send(f"/start {code}")
    assert "không dùng được" in second.send("/start ABCDEFGH")
    late = _code(session, clock, org_id, "tp-kthtdt")
    clock.advance(timedelta(hours=73))
    assert "hết hạn" in second.send(late)
    assert second.send("/viec") == texts.BIND_HELP
    assert [i.external_id for i in rows(engine, ChatIdentity)] == ["first"]


def test_five_wrong_codes_lock_the_chat_out_for_an_hour(session, clock, org_id, dialog):
    code = _code(session, clock, org_id, "tp-vhxh")
    chat = Chat(dialog, "guesser")
    for _ in range(5):
        assert "không dùng được" in chat.send("/start WRONG234")
    assert "Hãy thử lại sau 09:00" in chat.send(f"/start {code}")
    clock.advance(timedelta(hours=1, minutes=1))
    assert "đã được liên kết" in chat.send(f"/start {code}")


def test_viec_lists_only_the_own_units_open_tasks_numbered_with_due_status(session, clock, org_id, dialog):
    overdue = make_task(session, clock, org_id, due=date(2026, 5, 10), title="Tổ chức Tháng hành động vì trẻ em")
    upcoming = make_task(session, clock, org_id, due=date(2026, 5, 30))
    undated = make_task(session, clock, org_id, title="Tuyên truyền phòng chống dịch")
    cancelled = make_task(session, clock, org_id, title="Nhiệm vụ đã hủy")
    cancel_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=cancelled.id, reason="Trùng")
    session.commit()
    make_task(session, clock, org_id, "kthtdt", title="Chỉnh trang đô thị")
    chat = bind(session, clock, dialog, org_id, "tp-vhxh")
    reply = chat.send("/viec")
    assert reply.splitlines()[1:] == [
        f"1. Tổ chức Tháng hành động vì trẻ em — hạn 10/05/2026, quá hạn 8 ngày (#{overdue.id})",
        f"2. Rà soát đối tượng bảo trợ xã hội — hạn 30/05/2026, còn 12 ngày (#{upcoming.id})",
        f"3. Tuyên truyền phòng chống dịch — không có hạn (#{undated.id})",
    ]
    assert "Phòng Văn hóa - Xã hội: 3 nhiệm vụ" in reply
    assert chat.labels == ["1", "2", "3"]


def test_a_long_list_shows_ten_tasks_and_xem_tiep_shows_the_others(session, clock, org_id, dialog):
    # Why: "và 3 nhiệm vụ khác" had no way to see the three.
    for n in range(13):
        make_task(session, clock, org_id, due=date(2026, 6, 1) + timedelta(days=n), title=f"Nhiệm vụ số {n + 1}")
    chat = bind(session, clock, dialog, org_id, "tp-vhxh")
    reply = chat.send("/viec")
    assert reply.splitlines()[-1] == "và 3 nhiệm vụ khác."
    assert chat.labels == [*(str(n) for n in range(1, 11)), "Xem tiếp"]
    assert [len(row) for row in chat.last[0].buttons] == [5, 5, 1]

    more = chat.press("Xem tiếp")

    assert more.splitlines()[0].endswith("(tiếp, từ số 11)")
    assert more.splitlines()[1].startswith("11. Nhiệm vụ số 11 — ") and more.splitlines()[-1].startswith("13. ")
    assert chat.labels == ["11", "12", "13"]
    assert "Nhiệm vụ số 12" in chat.press("12")


def test_a_number_typed_after_xong_is_the_tasks_own_number_and_asks_first(session, clock, org_id, dialog):
    # Why: "/xong 13" read 13 as a place in the list and reported the first task done without asking.
    tasks = [make_task(session, clock, org_id, due=date(2026, 6, 1) + timedelta(days=n), title=f"Việc {n + 1}")
             for n in range(13)]
    session.commit()
    chat = bind(session, clock, dialog, org_id, "tp-vhxh")
    last = tasks[-1]

    asked = chat.send(f"/xong {last.id}")

    assert asked.startswith(f"Báo hoàn thành Nhiệm vụ #{last.id}: Việc 13 (") and chat.labels == ["Đồng ý", "Thoát"]
    assert {t.status for t in rows(dialog.engine, Task)} == {"open"}
    assert chat.press("Đồng ý").startswith(f"Đã báo hoàn thành nhiệm vụ #{last.id}: Việc 13")
    assert [t.id for t in rows(dialog.engine, Task) if t.status == "reported_done"] == [last.id]


def test_leaders_are_sent_to_donvi_for_a_units_list(session, clock, org_id, dialog):
    make_task(session, clock, org_id)
    chat = bind(session, clock, dialog, org_id, "chu-tich")
    assert chat.send("/viec") == texts.UNIT_LISTS_ONLY


def test_quahan_shows_a_unit_its_overdue_tasks_and_a_leader_the_wards_by_unit(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 10), title="Tổ chức Tháng hành động vì trẻ em")
    make_task(session, clock, org_id, due=date(2026, 5, 30), title="Chưa đến hạn")
    make_task(session, clock, org_id, "kthtdt", due=date(2026, 5, 15), title="Chỉnh trang đô thị")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    reply = head.send("/quahan")
    assert "1 nhiệm vụ quá hạn" in reply and "Tháng hành động" in reply
    assert "Chưa đến hạn" not in reply and "Chỉnh trang" not in reply
    leader = bind(session, clock, dialog, org_id, "chu-tich")
    reply = leader.send("/quahan")
    assert "2 nhiệm vụ quá hạn tính đến ngày 18/05/2026" in reply
    assert "Phòng Văn hóa - Xã hội (1):" in reply and "Phòng Kinh tế, Hạ tầng và Đô thị (1):" in reply
    assert reply.index("Văn hóa") < reply.index("Kinh tế")


def test_a_task_button_opens_the_task_with_what_the_person_may_do_on_it(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    _member(session, clock, org_id)
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    assert "Tình trạng: còn 12 ngày" in head.press("1")
    assert head.labels == ["Cập nhật kết quả", "Báo đã hoàn thành", "Xin gia hạn"]
    member = bind(session, clock, dialog, org_id, "cb-vhxh")
    member.send("/viec")
    member.send("1")
    assert member.labels == ["Cập nhật kết quả"]


def test_a_button_pressed_in_another_chat_is_refused(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    other = bind(session, clock, dialog, org_id, "tp-kthtdt")
    reply = other.send(button=head.button("1").data)
    assert "Nút này không dành cho đồng chí" in reply and "Rà soát" not in reply
    same_person_elsewhere = bind(session, clock, dialog, org_id, "tp-vhxh", chat_id="z-1", channel="zalo")
    assert "không dành cho" in same_person_elsewhere.send(button=head.button("1").data)


def test_a_button_for_a_task_moved_to_another_unit_is_refused(session, clock, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    _move(session, clock, org_id, task, "kthtdt")
    assert head.press("1") == "Ông Văn Lạc không có quyền xem nhiệm vụ này."
    assert head.send("1") == "Ông Văn Lạc không có quyền xem nhiệm vụ này."


def test_an_expired_button_is_refused(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    token = head.button("1").data
    clock.advance(timedelta(hours=25))
    assert "hết hạn" in head.send(button=token)


def test_an_event_handled_twice_does_nothing_the_second_time(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    listing = head.inbound("/viec")
    assert head.deliver(listing) != ""
    assert dialog.handle(listing) == []
    for answer in ("/capnhat", "1", "Đã rà soát 120 hộ", "Chưa xác định", "Không có"):
        head.send(answer)
    finished = head.inbound(button=head.button("Có").data)
    assert "Đã ghi báo cáo" in head.deliver(finished)
    assert Dialog(engine, clock).handle(finished) == []
    assert len(rows(engine, Update)) == 1


def test_the_same_event_delivered_by_several_processes_at_once_is_handled_once(session, clock, engine, org_id,
                                                                              dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    for answer in ("/capnhat", "1", "Đã rà soát 120 hộ", "Chưa xác định", "Không có"):
        head.send(answer)
    finished = head.inbound(button=head.button("Có").data)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: Dialog(engine, clock).handle(finished), range(4)))
    assert sorted(len(a) for a in answers) == [0, 0, 0, 1]
    assert len(rows(engine, Update)) == 1


def test_a_conversation_survives_a_new_dialog_instance(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/capnhat")
    head.send("1")
    head.send("Đã rà soát 120 hộ")
    head.dialog = Dialog(engine, clock)
    head.press("Dự kiến hoàn thành tháng sau")
    head.send("không có")
    assert "Đã ghi báo cáo" in head.send("chưa")
    [update] = rows(engine, Update)
    assert (update.task_id, update.result_text, update.forecast) == (
        task.id, "Đã rà soát 120 hộ", "Dự kiến hoàn thành tháng sau")


def test_an_expired_step_is_forgotten_with_a_note(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/capnhat")
    head.send("1")
    clock.advance(timedelta(minutes=29))
    head.send("Đã rà soát 120 hộ")
    clock.advance(timedelta(minutes=31))
    reply = head.send("1")
    assert "«báo cáo kết quả» đã bị hủy vì quá 30 phút" in reply and "/capnhat" in reply
    assert head.send("1") == texts.HELP_LINE
    assert rows(engine, Update) == []


def test_errors_become_vietnamese_replies_and_change_nothing(session, clock, engine, org_id, dialog):
    other = make_task(session, clock, org_id, "kthtdt", due=date(2026, 5, 30))
    own = make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert head.send("/capnhat #9999") == "Không tìm thấy nhiệm vụ số 9999."
    assert head.send(f"/xong #{other.id}") == "Ông Văn Lạc không có quyền báo hoàn thành nhiệm vụ này."
    assert head.send("/capnhat 9999") == "Không tìm thấy nhiệm vụ số 9999."
    assert "Không hiểu «bảy»" in head.send("/capnhat bảy")
    for answer in ("/capnhat", "1", "Đã rà soát 120 hộ", "Chưa xác định", "Không có"):
        head.send(answer)
    cancel_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=own.id, reason="Trùng")
    session.commit()
    assert head.press("Có") == f"Nhiệm vụ số {own.id} đã bị hủy, không nhận báo cáo. Thao tác đã dừng."
    assert head.send("có") == texts.HELP_LINE
    assert rows(engine, Update) == []
    assert [t.status for t in rows(engine, Task)] == [TaskStatus.OPEN, TaskStatus.CANCELLED]


def test_unknown_text_commands_and_long_messages_get_one_short_answer(session, clock, org_id, dialog):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert head.send("xin chào") == texts.HELP_LINE
    assert head.send("/abc") == "Không có lệnh /abc. Gửi /trogiup để xem các lệnh."
    assert head.send("a " * 5000) == texts.HELP_LINE
    assert head.send("") == texts.ONLY_TEXT
    assert len(head.last) == 1
    document = InboundFile(name="thong-bao.docx", mime_type="application/octet-stream", size=10, ref="f1")
    assert head.deliver(replace(head.inbound(), file=document)) == texts.NO_FILES


def test_a_command_addressed_to_the_bot_by_name_is_understood(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert "1 nhiệm vụ đang thực hiện" in head.send("/viec@PhuongMauBot")


def test_thoat_leaves_a_conversation_and_says_when_there_is_none(session, clock, engine, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/capnhat")
    head.send("1")
    assert head.send("/thoat") == texts.STOPPED
    assert head.send("Đã rà soát 120 hộ") == texts.HELP_LINE
    assert head.send("/thoat") == texts.NOTHING_TO_STOP
    head.send("/capnhat")
    assert head.press("Thoát") == texts.STOPPED
    assert rows(engine, Update) == []


def test_trogiup_lists_what_each_role_may_do(session, clock, org_id, dialog):
    _member(session, clock, org_id)
    head = bind(session, clock, dialog, org_id, "tp-vhxh").send("/trogiup")
    member = bind(session, clock, dialog, org_id, "cb-vhxh").send("/trogiup")
    leader = bind(session, clock, dialog, org_id, "pct-vx").send("/trogiup")
    assert all(f"/{c}" in head for c in ("viec", "quahan", "capnhat", "xong", "giahan", "thoat"))
    assert "/duyet_gh" not in head
    assert "/capnhat" in member and "/xong" not in member and "/giahan" not in member
    assert "/duyet_gh" in leader and "/tuchoi_gh" in leader and "/xong" not in leader and "/viec" not in leader
