"""What every chat channel offers the sender: send a text to a chat, or say why it could not.

Adding a channel (Telegram, Zalo) means one adapter implementing `Channel`; the sender needs nothing else."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TextIO

from bots.messages import Button

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A send that failed. `retryable` says whether trying again can help; `retry_after` (seconds) is
    the channel's own wait when it gave one (a rate limit); `unreachable` means the chat can never be
    reached (bot blocked, chat deleted): stop trying that binding."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.unreachable = unreachable


class ChatMoved(ChannelError):
    """The chat lives on under another id (a Telegram group that became a supergroup): the old id will
    never work again, so the send failed for good and the binding is unreachable as it stands, but the
    same people are reachable at `new_external_id`; moving the binding there and sending again helps."""

    def __init__(self, message: str, *, new_external_id: str) -> None:
        super().__init__(message, retryable=False, unreachable=True)
        self.new_external_id = new_external_id


Buttons = Sequence[Sequence[Button]]


class Channel(Protocol):
    name: str

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        """Deliver `text` to the chat `external_id`, with rows of `buttons` under it where the channel has
        buttons (elsewhere as numbered choices, or not at all: the text always says how to answer).
        Returns only once the channel accepted it; raises ChannelError otherwise."""
        ...


class _HideToken(logging.Filter):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "***"), None
        return True


def hide_token_in_logs(token: str, loggers: Sequence[str]) -> None:
    """Mask `token` in every record of the named loggers (the HTTP libraries log request URLs, which embed
    a bot's token). Logger filters are not inherited, so each named logger gets one, once per token."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideToken) and f.token == token for f in logger.filters):
            logger.addFilter(_HideToken(token))


class LogChannel:
    """Writes each message to the terminal and appends it to a file: what a ward without a chat token
    gets, so that a newcomer sees what would be sent. Never fails for a reason worth retrying."""

    name = "log"

    def __init__(self, path: Path, stream: TextIO | None = None) -> None:
        self.path = path
        self.stream = stream if stream is not None else sys.stdout

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        """Print and append the message, its buttons on a line of their own; an unwritable log file is a
        ChannelError worth retrying."""
        labels = " ".join(f"[{b.label}]" for row in buttons for b in row)
        block = f"--- tin nhắn gửi {external_id} ---\n{text}\n" + (f"Nút bấm: {labels}\n" if labels else "")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(block)
        except OSError as exc:
            raise ChannelError(f"không ghi được {self.path}: {exc}", retryable=True) from exc
        self.stream.write(block)
        self.stream.flush()
