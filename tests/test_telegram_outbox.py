"""The outbox delivered through the Telegram channel by the sender, with the fixed clock: the real
python-telegram-bot client over loopback to the fake Bot API. Each message once, the rate limits, a
429's retry_after, a blocked chat, a group that moved, and the token kept out of the data and the logs."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from builders import person
from fake_channel import BAD_REQUEST, BLOCKED, MIGRATED, SERVER_ERROR, TOKEN, Failure
from fake_telegram import FakeTelegramServer, channel_for
from outbox_helpers import FakeTime, enqueue, log_channel, row, ward_with_chats
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bots.telegram import TelegramChannel
from jobs.sender import Sender
from tracker import outbox
from tracker.clock import FixedClock
from tracker.models import AuditEvent, ChatIdentity
from tracker.usecases import bind_chat, issue_invite

SECRET = TOKEN.split(":")[1]


@pytest.fixture
def server(clock: FixedClock) -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(timer=lambda: clock.now().timestamp()) as fake:
        yield fake


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    return ward_with_chats(session, clock)


@pytest.fixture
def fake_time(clock: FixedClock) -> FakeTime:
    return FakeTime(clock)


@pytest.fixture
def channel(server: FakeTelegramServer) -> TelegramChannel:
    return channel_for(server)


def telegram_sender(engine: Engine, clock: FixedClock, channel: TelegramChannel, tmp_path: Path,
                    fake_time: FakeTime) -> Sender:
    channels = {"telegram": channel, "log": log_channel(tmp_path / "outbox.log")}
    return Sender(engine, clock, channels, name="sender-a", sleep=fake_time.sleep)


def step(sender: Sender, channel: TelegramChannel) -> bool:
    """One sender step in an event loop of its own, closing the channel's connections afterwards."""

    async def once() -> bool:
        async with channel:
            return await sender.send_one()

    return asyncio.run(once())


def drain(sender: Sender, channel: TelegramChannel) -> int:
    """Sender steps, in one event loop, until nothing is due; returns how many rows were handled."""

    async def until_idle() -> int:
        handled = 0
        async with channel:
            while await sender.send_one():
                handled += 1
        return handled

    return asyncio.run(until_idle())


def binding(session: Session, org_id: int, key: str) -> ChatIdentity:
    """The chat binding of the person `key`, as stored now."""
    someone = person(session, org_id, key)
    found = session.exec(select(ChatIdentity).where(ChatIdentity.person_id == someone.id)).one()
    session.refresh(found)
    session.commit()
    return found


def test_the_outbox_reaches_each_bound_chat_once_escaped_and_a_second_apart(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    texts = {"tp-vhxh": ["Nhắc việc: 2 nhiệm vụ <sắp đến hạn> & 1 quá hạn.", "Nhắc việc ngày mai."],
             "tp-kthtdt": ["Nhắc việc: hạn chót hôm nay."]}
    ids = [enqueue(session, clock, org_id, key, text) for key, group in texts.items() for text in group]
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    assert drain(sender, channel) == 3

    for key, group in texts.items():
        assert [html.unescape(t) for t in server.texts_to(f"chat-{key}")] == group
    assert {m.parse_mode for m in server.messages} == {"HTML"}
    assert {row(session, n).status for n in ids} == {"sent"}
    at = [r.at for r in server.requests if r.chat_id == "chat-tp-vhxh"]
    assert at[1] - at[0] >= 1 - 1e-6  # the sender's per-chat limit applies to Telegram


def test_an_outbox_message_with_buttons_arrives_with_an_inline_keyboard(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    head = person(session, org_id, "tp-vhxh")  # any bound chat will do
    outbox.enqueue(session, clock=clock, org_id=org_id, person_id=head.id or 0, kind="extension_request",
                   day=clock.now().date(), body="ĐỀ NGHỊ GIA HẠN số 7", key="extension_request:7",
                   buttons=[[{"label": "Đồng ý số 7", "data": "tok-yes"}, {"label": "Không đồng ý số 7",
                                                                          "data": "tok-no"}]])
    session.commit()
    assert drain(telegram_sender(engine, clock, channel, tmp_path, fake_time), channel) == 1
    [message] = [m for m in server.messages if m.chat_id == "chat-tp-vhxh"]
    assert message.reply_markup == {"inline_keyboard": [[{"text": "Đồng ý số 7", "callback_data": "tok-yes"},
                                                         {"text": "Không đồng ý số 7", "callback_data": "tok-no"}]]}


def test_a_rate_limited_message_is_sent_again_once_its_retry_after_has_passed(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Tổng hợp nhiệm vụ quá hạn.")
    server.fail_next(1, Failure("rate_limited", retry_after=120))
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    assert step(sender, channel) is True
    waiting = row(session, message)
    assert waiting.status == "pending" and "429" in waiting.last_error
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=120)

    clock.advance(timedelta(seconds=119))
    assert step(sender, channel) is False
    clock.advance(timedelta(seconds=1))
    assert step(sender, channel) is True

    assert (row(session, message).status, row(session, message).attempts) == ("sent", 2)
    assert server.texts_to("chat-tp-vhxh") == ["Tổng hợp nhiệm vụ quá hạn."]


def test_a_chat_that_blocked_the_bot_is_marked_unreachable_and_not_tried_again(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 1 nhiệm vụ quá hạn.")
    server.fail_chat("chat-tp-vhxh", BLOCKED)
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    assert step(sender, channel) is True

    assert (row(session, message).status, row(session, message).attempts) == ("failed", 1)
    blocked = binding(session, org_id, "tp-vhxh")
    assert blocked.unreachable_at == clock.now() and "403" in blocked.unreachable_reason
    assert step(sender, channel) is True  # the office's notice, to the log: its only person has no chat
    clock.advance(timedelta(days=1))
    assert step(sender, channel) is False
    assert len(server.requests) == 1


def test_a_chat_that_moved_to_a_supergroup_keeps_its_binding_under_the_new_id_and_gets_the_message(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc cho nhóm.")
    server.fail_chat("chat-tp-vhxh", MIGRATED)
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    assert step(sender, channel) is True
    moved = binding(session, org_id, "tp-vhxh")
    assert (moved.external_id, moved.unreachable_at) == ("-1001234567890", None)
    assert row(session, message).status == "pending"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "moved")).one()
    session.commit()
    assert (event.entity_id, event.before["external_id"], event.after["external_id"]) == (
        moved.id, "chat-tp-vhxh", "-1001234567890")

    assert step(sender, channel) is True
    assert row(session, message).status == "sent"
    assert server.texts_to("-1001234567890") == ["Nhắc việc cho nhóm."]


def test_a_chat_that_moved_to_an_id_already_bound_is_marked_unreachable_and_the_message_goes_to_the_log(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time
):
    admin, other = person(session, org_id, "quan-tri"), person(session, org_id, "chu-tich")
    invite = issue_invite(session, clock=clock, actor=admin, person_id=other.id or 0)
    bind_chat(session, clock=clock, channel="telegram", external_id="-1001234567890", code=invite.code)
    session.commit()
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc cho nhóm cũ.")
    server.fail_chat("chat-tp-vhxh", MIGRATED)
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    assert step(sender, channel) is True
    old = binding(session, org_id, "tp-vhxh")
    assert (old.external_id, old.unreachable_at) == ("chat-tp-vhxh", clock.now())
    assert row(session, message).status == "pending"

    assert step(sender, channel) is True
    assert row(session, message).status == "sent"
    assert "Nhắc việc cho nhóm cũ." in (tmp_path / "outbox.log").read_text(encoding="utf-8")
    assert server.texts_to("-1001234567890") == []


def test_the_token_is_never_stored_nor_logged_whatever_fails(
    engine, session, clock, org_id, server, channel, tmp_path, fake_time, caplog
):
    failures = {"chat-tp-vhxh": BLOCKED, "chat-tp-kthtdt": SERVER_ERROR, "chat-cvp": BAD_REQUEST}
    ids = [enqueue(session, clock, org_id, chat.removeprefix("chat-"), f"Tin cho {chat}.") for chat in failures]
    for chat, failure in failures.items():
        server.fail_chat(chat, failure)
    sender = telegram_sender(engine, clock, channel, tmp_path, fake_time)

    # The library loggers too: the service (and a test of it) quiets them, and here they must speak.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "httpx"), \
            caplog.at_level(logging.DEBUG, "telegram"):
        assert drain(sender, channel) == 4  # and the office's notice of the blocked chat

    stored = [row(session, n).last_error for n in ids] + [binding(session, org_id, "tp-vhxh").unreachable_reason]
    assert all(stored) and not any(SECRET in text for text in stored)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/bot***/sendMessage" in logged  # the HTTP client's request lines were there, masked
    assert SECRET not in logged
