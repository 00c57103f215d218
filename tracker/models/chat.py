"""What the chat dialog remembers between messages: Conversation, ChatButton, ChatEvent.

Everything lives in the database so that a restart (or a second bot process) loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Conversation(SQLModel, table=True):
    """One chat's place in a conversation: the step it waits at, that step's data, and the buttons of the
    last message (`choices`, tokens in order) so that a typed "1" or "có" presses one of them."""

    __table_args__ = (sa.UniqueConstraint("channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(16))
    chat_id: str = Field(sa_type=sa.String(128))
    # The person the state belongs to: a chat bound to someone else meanwhile starts afresh.
    person_id: int | None = Field(default=None, foreign_key="person.id")
    step: str = Field(default="", sa_type=sa.String(32))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    choices: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    expires_at: datetime | None = None
    # Wrong invite codes sent from this chat since `bind_failures_since`: too many lock binding for a while.
    bind_failures: int = 0
    bind_failures_since: datetime | None = None
    updated_at: datetime


class ChatButton(SQLModel, table=True):
    """A button's meaning, kept here so that the callback data is only `token`: nothing a forwarded
    message or a forged callback could turn into another unit's task."""

    __tablename__ = "chat_button"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_type=sa.String(16), unique=True)
    channel: str = Field(sa_type=sa.String(16))
    chat_id: str = Field(sa_type=sa.String(128))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    label: str = Field(sa_type=sa.String(200))
    action: str = Field(sa_type=sa.String(32))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    expires_at: datetime = Field(index=True)
    created_at: datetime


class ChatEvent(SQLModel, table=True):
    """An inbound event already handled: a webhook that delivers it again finds it here."""

    __tablename__ = "chat_event"
    __table_args__ = (sa.UniqueConstraint("channel", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(16))
    event_id: str = Field(sa_type=sa.String(128))
    handled_at: datetime = Field(index=True)
