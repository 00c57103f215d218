"""The sender when a person's preferred chat cannot be reached: the message goes to their other chat, and the
office hears of it once. Two channels (Telegram and Zalo) over one loopback fake chat API; the chat ids tell
them apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from builders import make_task, person
from fake_channel import BLOCKED, FakeApiChannel, FakeChatServer
from outbox_helpers import FakeTime, bind_person, enqueue, log_channel, row, step, ward_with_chats
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from jobs.runner import run_job
from jobs.sender import Sender
from tracker.clock import FixedClock
from tracker.models import ChatIdentity, Notification
from tracker.usecases import bind_chat, issue_invite
from tracker.usecases.people import set_preferred_channel

ZALO_CHAT = "zalo-tp-vhxh"
NOTICE_HEAD = "Không gửi được tin nhắn cho Ông Văn Lạc (Phòng Văn hóa - Xã hội) qua Zalo"


@pytest.fixture
def server(clock: FixedClock) -> Iterator[FakeChatServer]:
    with FakeChatServer(timer=lambda: clock.now().timestamp()) as fake:
        yield fake


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    """The example ward: the head of VHXH on Telegram and on Zalo, preferring Zalo; the office clerk and
    the head of KT,HT&ĐT on Telegram."""
    org = ward_with_chats(session, clock, ("tp-vhxh", "tp-kthtdt", "van-thu"))
    bind_person(session, clock, org, "tp-vhxh", "zalo", ZALO_CHAT)
    admin, head = person(session, org, "quan-tri"), person(session, org, "tp-vhxh")
    set_preferred_channel(session, clock=clock, actor=admin, person_id=head.id or 0, channel="zalo")
    session.commit()
    return org


def make_sender(engine: Engine, clock: FixedClock, server: FakeChatServer, log_path: Path) -> Sender:
    channels = {"telegram": FakeApiChannel(server.url), "zalo": FakeApiChannel(server.url, name="zalo"),
                "log": log_channel(log_path)}
    return Sender(engine, clock, channels, name="sender-a", sleep=FakeTime(clock).sleep)


def drain(sender: Sender) -> int:
    handled = 0
    while step(sender):
        handled += 1
    return handled


def texts_to(server: FakeChatServer, chat_id: str) -> list[str]:
    return [d.text for d in server.deliveries if d.chat_id == chat_id]


def notices(session: Session) -> list[Notification]:
    found = list(session.exec(select(Notification).where(Notification.kind == "chat-unreachable")))
    session.commit()
    return found


def test_a_person_preferring_zalo_gets_reminders_on_zalo(engine, session, clock, org_id, server, tmp_path):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 1 nhiệm vụ đến hạn hôm nay.")
    assert row(session, message).channel == "zalo"
    assert drain(make_sender(engine, clock, server, tmp_path / "outbox.log")) == 1
    assert [(d.chat_id, d.text) for d in server.deliveries] == [(ZALO_CHAT, "Nhắc việc: 1 nhiệm vụ đến hạn hôm nay.")]


def test_a_blocked_preferred_chat_sends_the_message_on_the_other_and_tells_the_office_once(
    engine, session, clock, org_id, server, tmp_path
):
    first = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 2 nhiệm vụ quá hạn.")
    # Written for Zalo too, before anyone knew it was blocked: it must not end in the log.
    second = enqueue(session, clock, org_id, "tp-vhxh", "Kết quả gia hạn nhiệm vụ #7.")
    server.fail_chat(ZALO_CHAT, BLOCKED)

    assert drain(make_sender(engine, clock, server, tmp_path / "outbox.log")) == 4

    assert [r.chat_id for r in server.requests if r.chat_id == ZALO_CHAT] == [ZALO_CHAT]
    assert texts_to(server, "chat-tp-vhxh") == ["Nhắc việc: 2 nhiệm vụ quá hạn.", "Kết quả gia hạn nhiệm vụ #7."]
    assert (row(session, first).status, row(session, first).attempts) == ("sent", 2)
    assert row(session, second).status == "sent"
    assert texts_to(server, "chat-van-thu") == [
        f"{NOTICE_HEAD}: người dùng đã chặn bot hoặc xóa cuộc trò chuyện. Từ nay tin nhắn gửi qua Telegram."]
    assert not (tmp_path / "outbox.log").exists()

    # Later messages are written for Telegram at once.
    later = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc ngày mai.")
    assert row(session, later).channel == "telegram"


def test_a_chat_bound_again_and_blocked_again_the_same_day_is_told_to_the_office_once(
    engine, session, clock, org_id, server, tmp_path
):
    server.fail_chat(ZALO_CHAT, BLOCKED)
    enqueue(session, clock, org_id, "tp-vhxh", "Tin thứ nhất.")
    sender = make_sender(engine, clock, server, tmp_path / "outbox.log")
    drain(sender)
    bind_person(session, clock, org_id, "tp-vhxh", "zalo", ZALO_CHAT)
    assert session.exec(select(ChatIdentity.unreachable_at).where(ChatIdentity.external_id == ZALO_CHAT)).one() is None
    session.commit()
    enqueue(session, clock, org_id, "tp-vhxh", "Tin thứ hai.")
    drain(sender)

    assert len([r for r in server.requests if r.chat_id == ZALO_CHAT]) == 2
    assert texts_to(server, "chat-tp-vhxh") == ["Tin thứ nhất.", "Tin thứ hai."]
    assert len(notices(session)) == 1 and len(texts_to(server, "chat-van-thu")) == 1


def test_when_no_chat_is_left_the_message_fails_and_the_office_is_told_a_new_invite_is_needed(
    engine, session, clock, org_id, server, tmp_path
):
    message = enqueue(session, clock, org_id, "tp-kthtdt", "Nhắc việc cho KT,HT&ĐT.")
    server.fail_chat("chat-tp-kthtdt", BLOCKED)

    assert drain(make_sender(engine, clock, server, tmp_path / "outbox.log")) == 2

    assert row(session, message).status == "failed"
    assert texts_to(server, "chat-van-thu") == [
        "Không gửi được tin nhắn cho Ninh Thị Kiều Oanh (Phòng Kinh tế, Hạ tầng và Đô thị) qua Telegram: "
        "người dùng đã chặn bot hoặc xóa cuộc trò chuyện. Không còn kênh chat nào liên lạc được; cần cấp mã "
        "mời mới (tracker people invite tp-kthtdt)."]


def test_a_ward_without_office_staff_tells_its_administrator(engine, session, clock, org_id, server, tmp_path):
    clerk = person(session, org_id, "van-thu")
    clerk.active = False
    session.add(clerk)
    admin = person(session, org_id, "quan-tri")
    invite = issue_invite(session, clock=clock, actor=admin, person_id=admin.id or 0)
    bind_chat(session, clock=clock, channel="telegram", external_id="chat-quan-tri", code=invite.code)
    session.commit()
    enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc.")
    server.fail_chat(ZALO_CHAT, BLOCKED)

    drain(make_sender(engine, clock, server, tmp_path / "outbox.log"))

    assert [n.person_id for n in notices(session)] == [admin.id]
    assert texts_to(server, "chat-quan-tri")[0].startswith(NOTICE_HEAD)
    assert texts_to(server, "chat-van-thu") == []


def test_the_morning_job_reminds_a_person_bound_on_both_channels_once_on_the_preferred_one(
    engine, session, clock, org_id, server, tmp_path
):
    make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 18), title="Rà soát hộ nghèo")
    morning = clock.now().replace(hour=7, minute=30)
    run_job(engine, clock, "daily", at=morning)
    run_job(engine, clock, "daily", at=morning)  # twice, as a restarted service would
    assert drain(make_sender(engine, clock, server, tmp_path / "outbox.log")) >= 1
    to_head = [d for d in server.deliveries if d.chat_id in (ZALO_CHAT, "chat-tp-vhxh")]
    assert [d.chat_id for d in to_head] == [ZALO_CHAT]
    assert "Rà soát hộ nghèo" in to_head[0].text
