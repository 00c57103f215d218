"""Hộp thư đi and Nhật ký in the web console, over HTTP: the outbox with a failed message sent again
(audited as web) and sign-in codes never shown; the audit trail filtered by what, who and when; neither
for a unit head."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from builders import make_task, make_ward
from outbox_helpers import ward_with_chats
from sqlmodel import select
from web_helpers import form_token, running_console, signed_in_client, someone, visible_text

from tracker.models import AuditEvent, Notification, NotificationStatus
from tracker.outbox import HIDDEN_BODY, enqueue
from tracker.usecases import TaskChanges, update_task


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, ("van-thu", "tp-vhxh"))


def failed_message(session, clock, org: int, person_id: int) -> int:
    enqueue(session, clock=clock, org_id=org, person_id=person_id, kind="daily", day=date(2026, 5, 18),
            body="NHẮC VIỆC ngày 18/05/2026")
    row = session.exec(select(Notification).where(Notification.kind == "daily")).one()
    row.status, row.attempts, row.last_error = NotificationStatus.FAILED, 8, "Forbidden: bot was blocked by the user"
    session.add(row)
    session.commit()
    return row.id


def test_a_failed_message_is_sent_again_from_the_outbox_and_a_sign_in_code_is_never_shown(
        engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    message = failed_message(session, clock, ward, head.id)
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        page = b.get("/hop-thu-di").text
        text = visible_text(page)
        assert "bot was blocked by the user" in text and "NHẮC VIỆC ngày 18/05/2026" in text
        assert HIDDEN_BODY in text  # the clerk's own sign-in code, queued a moment ago
        assert not re.search(r"Mã đăng nhập .*: \d{6}", text)
        done = b.post(f"/hop-thu-di/{message}/gui-lai", data={"csrf": form_token(page)})
        assert done.status_code == 303
        again = b.post(f"/hop-thu-di/{message}/gui-lai", data={"csrf": form_token(page)})
        assert again.status_code == 409
        failed_only = visible_text(b.get("/hop-thu-di", params={"trang_thai": "failed"}).text)
    assert "0 tin nhắn" in failed_only
    session.expire_all()
    assert session.get(Notification, message).status == NotificationStatus.PENDING
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "retry")).one()
    assert (event.actor_id, event.channel) == (clerk.id, "web")


def test_the_log_is_filtered_by_what_who_and_when(engine, session, clock, ward):
    make_task(session, clock, ward, "vhxh", title="Việc giao hôm nay")
    clock.advance(timedelta(days=3))
    make_task(session, clock, ward, "kthtdt", title="Việc giao ba ngày sau")
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        tasks = visible_text(b.get("/nhat-ky", params={"loai": "task"}).text)
        first_day = visible_text(b.get("/nhat-ky", params={"loai": "task", "tu_ngay": "18/5/2026",
                                                             "den_ngay": "18/5/2026"}).text)
        by_clerk = visible_text(b.get("/nhat-ky", params={"nguoi": str(clerk.id), "loai": "task"}).text)
        wrong = b.get("/nhat-ky", params={"tu_ngay": "31/02/2026"})
    assert "2 thay đổi" in tasks and "nhiệm vụ số" in tasks
    assert "1 thay đổi" in first_day and "08:00 18/05/2026" in first_day
    assert "2 thay đổi" in by_clerk
    assert wrong.status_code == 400 and "không có thật" in wrong.text


def test_a_unit_head_has_neither_the_outbox_nor_the_log(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, head.id, "tp-vhxh") as b:
        assert b.get("/hop-thu-di").status_code == 403
        assert b.get("/nhat-ky").status_code == 403
        menu = b.get("/").text
    assert 'href="/nhat-ky"' not in menu and 'href="/hop-thu-di"' not in menu


def test_the_log_shows_what_a_change_was_before_and_after_in_words(engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29), title="Rà soát hộ nghèo")
    clerk = someone(session, ward, "van-thu")
    update_task(session, clock=clock, actor=clerk, task_id=task.id,
                changes=TaskChanges(due_on=date(2026, 6, 15), title="Rà soát hộ nghèo và cận nghèo"))
    session.commit()
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        text = visible_text(b.get("/nhat-ky", params={"loai": "task", "thao_tac": "update"}).text)
    assert "1 thay đổi" in text and "sửa" in text
    assert "ngày đến hạn: 29/05/2026 → 15/06/2026" in text
    assert "nội dung: Rà soát hộ nghèo → Rà soát hộ nghèo và cận nghèo" in text


def test_another_wards_messages_and_log_never_appear_and_its_message_cannot_be_sent_again(
        engine, session, clock, ward):
    other = make_ward(session, clock, "phuong-khac")
    make_task(session, clock, other, "vhxh", title="Việc của phường khác")
    enqueue(session, clock=clock, org_id=other, person_id=someone(session, other, "tp-vhxh").id, kind="daily",
            day=date(2026, 5, 18), body="TIN CỦA PHƯỜNG KHÁC")
    row = session.exec(select(Notification).where(Notification.org_id == other)).one()
    row.status = NotificationStatus.FAILED
    session.add(row)
    session.commit()
    theirs = row.id
    clerk = someone(session, ward, "van-thu")
    with (running_console(engine, clock) as address,
          signed_in_client(address, session, clerk.id, "van-thu", ward="phuong-mau") as b):
        page = b.get("/hop-thu-di").text
        log = visible_text(b.get("/nhat-ky").text)
        refused = b.post(f"/hop-thu-di/{theirs}/gui-lai", data={"csrf": form_token(page)})
    assert "TIN CỦA PHƯỜNG KHÁC" not in visible_text(page)
    assert "Việc của phường khác" not in log and "nhiệm vụ số" not in log  # this ward has no task yet
    assert refused.status_code == 404
    session.expire_all()
    assert session.get(Notification, theirs).status == NotificationStatus.FAILED


def test_a_retry_without_the_pages_token_is_refused(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    message = failed_message(session, clock, ward, head.id)
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        forged = b.post(f"/hop-thu-di/{message}/gui-lai", data={"csrf": "giả"})
    assert forged.status_code == 400
    session.expire_all()
    assert session.get(Notification, message).status == NotificationStatus.FAILED
