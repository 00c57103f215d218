"""Driving the dialog in tests: a chat that sends messages and presses buttons, and people bound to chats."""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any, TypeVar

from builders import person
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from bots.dialog import Dialog
from bots.messages import Button, Inbound, Reply
from tracker.clock import Clock
from tracker.usecases import issue_invite

_EVENTS = itertools.count(1)
T = TypeVar("T", bound=SQLModel)


class Chat:
    """One chat with the bot. Each message gets a new event id; `last` holds the latest replies."""

    def __init__(self, dialog: Dialog, chat_id: str, channel: str = "telegram") -> None:
        self.dialog = dialog
        self.chat_id = chat_id
        self.channel = channel
        self.last: list[Reply] = []

    def inbound(self, text: str = "", *, button: str | None = None, reply_to: str = "",
                event_id: str | None = None) -> Inbound:
        return Inbound(channel=self.channel, chat_id=self.chat_id, event_id=event_id or f"e{next(_EVENTS)}",
                       text=text, button=button, reply_to=reply_to)

    def send(self, text: str = "", **kwargs: object) -> str:
        """Send a message; returns the replies' texts joined by blank lines."""
        return self.deliver(self.inbound(text, **kwargs))  # type: ignore[arg-type]

    def deliver(self, inbound: Inbound) -> str:
        self.last = self.dialog.handle(inbound)
        for reply in self.last:
            assert reply.text == unicodedata.normalize("NFC", reply.text)
        return self.text

    def press(self, label: str) -> str:
        """Press the button labelled `label` in the latest replies."""
        return self.send(button=self.button(label).data)

    def button(self, label: str) -> Button:
        for reply in self.last:
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        return button
        raise AssertionError(f"no button {label!r} in {self.labels}")

    @property
    def labels(self) -> list[str]:
        return [b.label for reply in self.last for row in reply.buttons for b in row]

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.last)


def bind(session: Session, clock: Clock, dialog: Dialog, org_id: int, key: str, chat_id: str | None = None,
         channel: str = "telegram") -> Chat:
    """A chat bound to the person `key` through an invite code and /start, as a person would do it."""
    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id or 0)
    session.commit()
    chat = Chat(dialog, chat_id or f"chat-{key}", channel)
    chat.send(f"/start {invite.code}")
    assert "đã được liên kết" in chat.text, chat.text
    return chat


def rows(engine: Engine, model: type[T], *where: Any) -> list[T]:
    """The rows of `model` as stored now, read in a session of their own so that no transaction stays open
    while the dialog writes (SQLite takes the write lock when a transaction begins)."""
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(model.id)))  # type: ignore[attr-defined]
