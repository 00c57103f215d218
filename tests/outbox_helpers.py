"""Builders for the sender's tests: a ward whose people have chats, messages in the outbox, a sender wired
to the fake chat API, and a sleep that moves the fixed clock."""

from __future__ import annotations

import asyncio
import io
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from builders import make_ward, person
from fake_channel import FakeApiChannel, FakeChatServer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bots.channels import LogChannel
from jobs.sender import Sender
from tracker import outbox
from tracker.clock import Clock, FixedClock
from tracker.models import Notification
from tracker.usecases import bind_chat, issue_invite

BOUND = ("tp-vhxh", "tp-kthtdt", "cvp")  # people with a Telegram chat "chat-<key>"; the others have none


class FakeTime:
    """The sender's sleep in these tests: records each wait and moves the fixed clock by it."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(microseconds=math.ceil(seconds * 1_000_000)))


def ward_with_chats(session: Session, clock: Clock, keys: tuple[str, ...] = BOUND) -> int:
    """The example ward with a Telegram chat bound (through an invite code) for each person in `keys`."""
    org = make_ward(session, clock)
    for key in keys:
        bind_person(session, clock, org, key, "telegram", f"chat-{key}")
    return org


def bind_person(session: Session, clock: Clock, org_id: int, key: str, channel: str, chat_id: str) -> None:
    """Bind the chat `chat_id` of `channel` to the person `key`, through an invite code as people do."""
    admin = person(session, org_id, "quan-tri")
    invite = issue_invite(session, clock=clock, actor=admin, person_id=person(session, org_id, key).id or 0)
    bind_chat(session, clock=clock, channel=channel, external_id=chat_id, code=invite.code)
    session.commit()


def log_channel(path: Path) -> LogChannel:
    return LogChannel(path, stream=io.StringIO())


def make_sender(engine: Engine, clock: Clock, server: FakeChatServer, log_path: Path,
                fake_time: FakeTime | None = None, **options: Any) -> Sender:
    """A Sender with the fake API as its Telegram channel (`timeout`: the adapter's HTTP timeout) and the
    log channel writing to `log_path`; other options go to Sender."""
    channels = {"telegram": FakeApiChannel(server.url, timeout=options.pop("timeout", 5.0)),
                "log": log_channel(log_path)}
    if fake_time is not None:
        options.setdefault("sleep", fake_time.sleep)
    return Sender(engine, clock, channels, name=options.pop("name", "sender-a"), **options)


def enqueue(session: Session, clock: Clock, org_id: int, key: str, text: str, kind: str = "nhac-viec") -> int:
    """Queue `text` for the person `key`; returns the notification id."""
    someone = person(session, org_id, key)
    outbox.enqueue(session, clock=clock, org_id=org_id, person_id=someone.id or 0, kind=kind,
                   day=clock.now().date(), body=text, key=f"{kind}:{someone.id}:{text}")
    found = session.exec(select(Notification.id).where(Notification.body == text)).one()
    # Every test read ends its transaction: on SQLite an open one holds the write lock the sender needs.
    session.commit()
    return found


def row(session: Session, notification_id: int) -> Notification:
    found = session.get(Notification, notification_id, populate_existing=True)
    session.commit()
    assert found is not None
    return found


def step(sender: Sender) -> bool:
    """One sender step, in an event loop of its own."""
    return asyncio.run(sender.send_one())
