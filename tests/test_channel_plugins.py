"""Channels as plug-ins (bots.channels.PLUGINS): a channel added as one module and one line in the list is
built for the sender, shown at start-up, accepted for bindings and preferences, delivers the outbox, and
names itself in the office's notice when a chat is lost. The channel is tests/sms_channel.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sms_channel
from builders import make_ward, person
from outbox_helpers import FakeTime, bind_person, enqueue, log_channel, row
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.service import channel_lines
from bots import channels as channel_list
from jobs.sender import Sender, build_channels
from tracker import channels as known_channels
from tracker.clock import FixedClock
from tracker.models import Notification, NotificationStatus
from tracker.usecases.people import set_preferred_channel

PHONE, BLOCKED_PHONE = "0900000001", "0900000002"


@pytest.fixture
def sms_plugged_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The list with the SMS line added, and the domain's names as they were once the test ends."""
    monkeypatch.setattr(known_channels, "_KNOWN", dict(known_channels._KNOWN))
    monkeypatch.setattr(channel_list, "PLUGINS", (*channel_list.PLUGINS, sms_channel.PLUGIN))
    monkeypatch.setenv("SMS_GATEWAY", "loopback")
    monkeypatch.setenv("SMS_BLOCKED", BLOCKED_PHONE)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield


def sender(engine: Engine, clock: FixedClock, channels: dict, tmp_path: Path) -> Sender:
    return Sender(engine, clock, {**channels, "log": log_channel(tmp_path / "outbox.log")}, name="sender-sms",
                  sleep=FakeTime(clock).sleep)


def test_a_channel_added_to_the_list_is_built_and_shown_like_the_others(sms_plugged_in, tmp_path):
    built = build_channels(tmp_path / "outbox.log")

    assert sorted(built) == ["log", "sms"]
    assert channel_lines(built)[0] == "Kênh SMS: đang bật."
    assert known_channels.chat_channels()["sms"] == "SMS"


def test_a_channel_added_to_the_list_is_off_without_its_setting(sms_plugged_in, monkeypatch, tmp_path):
    monkeypatch.delenv("SMS_GATEWAY")

    assert list(build_channels(tmp_path / "outbox.log")) == ["log"]


def test_a_person_binds_prefers_and_receives_messages_on_the_added_channel(sms_plugged_in, engine, session, clock,
                                                                           tmp_path):
    built = build_channels(tmp_path / "outbox.log")
    org_id = make_ward(session, clock)
    bind_person(session, clock, org_id, "tp-vhxh", "sms", PHONE)
    head = person(session, org_id, "tp-vhxh")
    chosen = set_preferred_channel(session, clock=clock, actor=head, person_id=head.id or 0, channel="SMS")
    session.commit()
    assert chosen.preferred_channel == "sms"

    sent = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 2 nhiệm vụ đến hạn.")
    assert asyncio.run(sender(engine, clock, built, tmp_path).send_one())

    assert built["sms"].sent == [(PHONE, "Nhắc việc: 2 nhiệm vụ đến hạn.")]
    assert row(session, sent).status == NotificationStatus.SENT


def test_a_lost_chat_on_the_added_channel_is_named_in_the_office_notice(sms_plugged_in, engine, session, clock,
                                                                          tmp_path):
    built = build_channels(tmp_path / "outbox.log")
    org_id = make_ward(session, clock)
    bind_person(session, clock, org_id, "tp-vhxh", "sms", BLOCKED_PHONE)
    bind_person(session, clock, org_id, "van-thu", "sms", PHONE)

    enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 1 nhiệm vụ quá hạn.")
    running = sender(engine, clock, built, tmp_path)
    while asyncio.run(running.send_one()):
        pass

    with Session(engine) as check:
        [notice] = check.exec(select(Notification).where(Notification.kind == "chat-unreachable")).all()
    assert " qua SMS: người dùng đã chặn bot" in notice.body
    assert (PHONE, notice.body) in built["sms"].sent
