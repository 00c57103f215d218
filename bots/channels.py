"""What every chat channel offers the sender: send a text to a chat, or say why it could not.

Adding a channel (Telegram, Zalo) means one adapter implementing `Channel`; the sender needs nothing else."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Protocol, TextIO

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


class Channel(Protocol):
    name: str

    async def send(self, external_id: str, text: str) -> None:
        """Deliver `text` to the chat `external_id`. Returns only once the channel accepted it;
        raises ChannelError otherwise."""
        ...


class LogChannel:
    """Writes each message to the terminal and appends it to a file: what a ward without a chat token
    gets, so that a newcomer sees what would be sent. Never fails for a reason worth retrying."""

    name = "log"

    def __init__(self, path: Path, stream: TextIO | None = None) -> None:
        self.path = path
        self.stream = stream if stream is not None else sys.stdout

    async def send(self, external_id: str, text: str) -> None:
        """Print and append the message; an unwritable log file is a ChannelError worth retrying."""
        block = f"--- tin nhắn gửi {external_id} ---\n{text}\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(block)
        except OSError as exc:
            raise ChannelError(f"không ghi được {self.path}: {exc}", retryable=True) from exc
        self.stream.write(block)
        self.stream.flush()
