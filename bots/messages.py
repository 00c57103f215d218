"""What passes between a chat adapter and the channel-agnostic dialog (bots.dialog).

An adapter turns its platform's update into an `Inbound`, hands it to the dialog, and delivers the `Reply`
list it gets back: buttons where the platform has them, numbered choices where it has not (Zalo). Button
data is a short id into state the dialog keeps in the database (Telegram allows 64 bytes), never a task id
or anything a forwarded message could be used to forge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class InboundFile:
    """A document the person sent: its name as sent, its declared type and size, and how the adapter
    fetches it (`ref`: Telegram's file_id). The dialog checks type and size before asking for the bytes."""

    name: str
    mime_type: str
    size: int
    ref: str


@dataclass(frozen=True)
class Inbound:
    """One thing a person did in a chat: wrote `text`, pressed a button (`button`: its data), or sent a
    `file`. `event_id` is the platform's id of the update or message: the dialog handles each id once,
    so a webhook that delivers twice changes nothing. `reply_to` is the text of the bot's message the
    person replied to, when the platform says so (a reply to the morning reminder starts /capnhat)."""

    channel: str
    chat_id: str
    event_id: str
    text: str = ""
    button: str | None = None
    file: InboundFile | None = None
    sender_name: str = ""
    reply_to: str = ""


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class OutboundFile:
    name: str
    content: bytes
    mime_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Reply:
    """One message back to the chat the inbound came from: plain text (adapters escape it as their platform
    needs), rows of buttons, and optionally a file (channels that cannot send files say so in text instead).
    Messages to other people (a leader asked to decide an extension) go through the outbox, never here."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    file: OutboundFile | None = None


class DialogLike(Protocol):
    """What a channel adapter hands its messages to (bots.dialog.Dialog, or a test's stand-in)."""

    def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to `inbound`, in order; raises when it could not handle it (nothing is kept then)."""
        ...
