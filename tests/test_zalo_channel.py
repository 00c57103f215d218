"""The Zalo channel (bots/zalo.py): its settings, plain-text sends split at 2000 characters on line boundaries,
buttons as numbered choices, the platform's errors mapped for the sender, and the outbox delivered through the
sender once, with the real httpx client against the fake Zalo Bot API (tests/fake_zalo.py)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from builders import make_ward, person
from fake_channel import BLOCKED, CHAT_NOT_FOUND, HANG, SERVER_ERROR, Failure
from fake_zalo import TOKEN, FakeZaloServer, channel_for
from outbox_helpers import FakeTime, enqueue, row
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bots.channels import ChannelError, LogChannel
from bots.messages import Button, OutboundFile, Reply
from bots.zalo import ZaloChannel, load_zalo_settings, render, split_message
from jobs.sender import Sender, build_channels
from tracker import outbox
from tracker.clock import FixedClock
from tracker.errors import ConfigError
from tracker.models import ChatIdentity, Notification
from tracker.usecases import bind_chat, issue_invite

SECRET = TOKEN.split(":")[1]


@pytest.fixture
def server() -> Iterator[FakeZaloServer]:
    with FakeZaloServer() as fake:
        yield fake


def send(channel: ZaloChannel, chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    async def once() -> None:
        async with channel:
            await channel.send(chat_id, text, buttons)

    asyncio.run(once())


def failure(server: FakeZaloServer, chat_id: str = "u1", timeout: float = 30.0) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        send(channel_for(server, timeout=timeout), chat_id, "Nhắc việc.")
    return caught.value


def test_a_text_arrives_as_plain_text_with_its_buttons_as_numbered_choices(server):
    buttons = ((Button("Đồng ý", "tok-yes"), Button("Không đồng ý", "tok-no")),)
    send(channel_for(server), "u1", "ĐỀ NGHỊ GIA HẠN số 7 <hạn 31/5> & lý do", buttons)
    assert server.texts_to("u1") == [
        "ĐỀ NGHỊ GIA HẠN số 7 <hạn 31/5> & lý do\n\nTrả lời 1 = Đồng ý, 2 = Không đồng ý."]


def test_a_message_of_4500_characters_is_split_under_2000_on_line_boundaries(server):
    lines = [f"{n}. Nhiệm vụ số {n} của Phòng Văn hóa - Xã hội, hạn 31/5/2026" for n in range(1, 80)]
    text = "\n".join(lines)
    assert len(text) > 4500
    send(channel_for(server), "u1", text)
    parts = server.texts_to("u1")
    assert len(parts) == 3 and all(len(part) <= 2000 for part in parts)
    assert "\n".join(parts) == text


def test_a_line_longer_than_a_message_is_cut_between_words():
    words = " ".join(["nhiệm-vụ"] * 400)
    parts = split_message(words)
    assert all(len(p) <= 2000 for p in parts) and " ".join(parts) == words


def test_a_reply_with_a_file_says_where_the_file_is():
    text = render(Reply("Phụ lục 1 tháng 5/2026: 12 nhiệm vụ.", file=OutboundFile("phu-luc-5-2026.docx", b"PK")))
    assert text.startswith("Phụ lục 1 tháng 5/2026: 12 nhiệm vụ.")
    assert "phu-luc-5-2026.docx" in text and "Telegram" in text and "dòng lệnh" in text


@pytest.mark.parametrize(("fail", "retryable", "unreachable"), [
    (SERVER_ERROR, True, False), (BLOCKED, False, True), (CHAT_NOT_FOUND, False, True)])
def test_errors_are_mapped_for_the_sender(server, fail, retryable, unreachable):
    server.fail_chat("u1", fail)
    error = failure(server)
    assert (error.retryable, error.unreachable) == (retryable, unreachable)


def test_a_rate_limit_is_retryable_after_the_wait_zalo_gave(server):
    server.fail_next(1, Failure("rate_limited", retry_after=7))
    error = failure(server)
    assert (error.retryable, error.retry_after) == (True, 7.0)


def test_a_wrong_token_is_permanent_and_never_named(server):
    with pytest.raises(ChannelError) as caught:
        send(ZaloChannel("999:WrongTokenForTests_abcdef", api_base_url=server.url), "u1", "Nhắc việc.")
    assert (caught.value.retryable, caught.value.unreachable) == (False, False)
    assert "401" in str(caught.value) and "WrongToken" not in str(caught.value)


def test_a_timeout_is_retryable(server):
    server.fail_next(1, HANG)
    error = failure(server, timeout=0.5)
    server.release()
    assert error.retryable and not error.unreachable


def test_a_slow_answer_within_the_timeout_is_a_delivery_and_beyond_it_is_retried_later():
    with FakeZaloServer(slowness=0.2) as slow:
        send(ZaloChannel(TOKEN, api_base_url=slow.url, timeout=30.0), "u1", "Nhắc việc.")
        assert slow.texts_to("u1") == ["Nhắc việc."]
        with pytest.raises(ChannelError) as caught:
            send(ZaloChannel(TOKEN, api_base_url=slow.url, timeout=0.05), "u2", "Nhắc việc.")
    assert caught.value.retryable and not caught.value.unreachable


def test_settings_require_a_secret_with_the_webhook_url_and_name_no_value():
    with pytest.raises(ConfigError) as caught:
        load_zalo_settings(bot_token=TOKEN, webhook_url="https://phuong.example.vn/zalo")
    assert "ZALO_WEBHOOK_SECRET" in str(caught.value)
    with pytest.raises(ConfigError) as short:
        load_zalo_settings(bot_token=TOKEN, webhook_url="https://phuong.example.vn/zalo", webhook_secret="ngan")
    assert "8 đến 256" in str(short.value)
    with pytest.raises(ConfigError) as wrong:
        load_zalo_settings(bot_token="khong-phai-token")
    assert "ZALO_BOT_TOKEN" in str(wrong.value) and "khong-phai-token" not in str(wrong.value)
    settings = load_zalo_settings(bot_token=TOKEN, webhook_url="https://phuong.example.vn/zalo",
                                  webhook_secret="bi-mat-cua-phuong", webhook_listen="0.0.0.0:9000")
    assert settings.enabled and settings.webhook_listener == "0.0.0.0:9000"
    assert settings.api_base_url == "https://bot-api.zaloplatforms.com" and SECRET not in repr(settings)


def test_build_channels_adds_zalo_when_its_token_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("ZALO_BOT_TOKEN", TOKEN)
    channels = build_channels(tmp_path / "outbox.log")
    assert set(channels) == {"log", "zalo"} and isinstance(channels["zalo"], ZaloChannel)
    monkeypatch.setenv("ZALO_BOT_TOKEN", "")
    assert set(build_channels(tmp_path / "outbox.log")) == {"log"}


# The outbox through the sender.

def zalo_ward(session: Session, clock: FixedClock, keys: tuple[str, ...] = ("tp-vhxh", "tp-kthtdt")) -> int:
    """The example ward with a Zalo chat "zalo-<key>" bound for each person in `keys`."""
    org = make_ward(session, clock)
    admin = person(session, org, "quan-tri")
    for key in keys:
        invite = issue_invite(session, clock=clock, actor=admin, person_id=person(session, org, key).id or 0)
        bind_chat(session, clock=clock, channel="zalo", external_id=f"zalo-{key}", code=invite.code)
    session.commit()
    return org


def drain(engine: Engine, clock: FixedClock, channel: ZaloChannel, tmp_path: Path) -> int:
    channels = {"zalo": channel, "log": LogChannel(tmp_path / "outbox.log", stream=io.StringIO())}
    sender = Sender(engine, clock, channels, name="sender-a", sleep=FakeTime(clock).sleep)

    async def until_idle() -> int:
        handled = 0
        async with channel:
            while await sender.send_one():
                handled += 1
        return handled

    return asyncio.run(until_idle())


def test_outbox_messages_reach_each_zalo_chat_once(engine, session, clock, server, tmp_path, caplog):
    org = zalo_ward(session, clock)
    long_text = "\n".join(f"Nhiệm vụ {n}: báo cáo kết quả trước ngày 31/5/2026." for n in range(1, 60))
    head = person(session, org, "tp-kthtdt")
    outbox.enqueue(session, clock=clock, org_id=org, person_id=head.id or 0, kind="digest", day=clock.now().date(),
                   body=long_text, key="digest:long")
    session.commit()
    long_id = session.exec(select(Notification.id).where(Notification.dedupe_key == "digest:long")).one()
    session.commit()
    ids = [enqueue(session, clock, org, "tp-vhxh", "Nhắc việc: 1 nhiệm vụ quá hạn."), long_id]

    with caplog.at_level(logging.DEBUG, "httpx"):
        assert drain(engine, clock, channel_for(server), tmp_path) == 2
        assert drain(engine, clock, channel_for(server), tmp_path) == 0

    assert server.texts_to("zalo-tp-vhxh") == ["Nhắc việc: 1 nhiệm vụ quá hạn."]
    assert "\n".join(server.texts_to("zalo-tp-kthtdt")) == long_text
    assert {row(session, n).status for n in ids} == {"sent"}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/bot***/sendMessage" in logged and SECRET not in logged


def test_a_zalo_chat_that_blocked_the_bot_is_marked_unreachable(engine, session, clock, server, tmp_path):
    org = zalo_ward(session, clock, ("tp-vhxh",))
    message = enqueue(session, clock, org, "tp-vhxh", "Nhắc việc: hạn chót hôm nay.")
    server.fail_chat("zalo-tp-vhxh", BLOCKED)

    drain(engine, clock, channel_for(server), tmp_path)  # the message, then the office's notice to the log

    assert (row(session, message).status, row(session, message).attempts) == ("failed", 1)
    binding = session.exec(select(ChatIdentity).where(ChatIdentity.external_id == "zalo-tp-vhxh")).one()
    session.commit()
    assert binding.unreachable_at is not None and "403" in binding.unreachable_reason
    assert SECRET not in binding.unreachable_reason
    clock.advance(timedelta(days=1))
    assert drain(engine, clock, channel_for(server), tmp_path) == 0
    assert len(server.requests) == 1
