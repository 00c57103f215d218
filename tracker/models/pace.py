"""The bots' shared pace: SendSlot and BotPace (tracker/send_pace.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class SendSlot(SQLModel, table=True):
    """One message sent through a bot by any process, from when its send began (`at`) to when it ended
    (`done_at`; None while in flight): the platform receives it somewhere in between, so every process's
    sends of the last second, and those still in flight, count against the limit."""

    __tablename__ = "send_slot"
    __table_args__ = (sa.Index("ix_send_slot_bot_at", "bot", "at"),
                      sa.Index("ix_send_slot_bot_chat_at", "bot", "chat", "at"))

    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(sa_type=sa.String(128))
    chat: str = Field(sa_type=sa.String(128))
    at: datetime
    done_at: datetime | None = None


class BotPace(SQLModel, table=True):
    """A bot's row, which every process locks before it takes a send slot, and the pause the platform asked
    for (flood control), which holds for every process."""

    __tablename__ = "bot_pace"

    bot: str = Field(sa_type=sa.String(128), primary_key=True)
    paused_until: datetime | None = None
    touched_at: datetime
