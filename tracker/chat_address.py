"""Where a chat is, as a binding stores it (ChatIdentity.external_id): the platform's chat id for a chat with
the deployment's bot, "<ward key>/<chat id>" for a chat with a ward's own bot.

A chat id is the platform's name for a chat as one bot sees it: two bots may see the same person under the
same id (Telegram's private chats), or under different ids (Zalo), and a person bound through one bot can
only be written to through that bot. So a chat with a ward's own bot is another chat, and its binding,
conversation and handled events are apart from those of the deployment's bot. Platforms' chat ids are
numbers (Telegram's groups: negative ones), never with a "/"."""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "/"


@dataclass(frozen=True)
class ChatAddress:
    """A chat as the platform names it (`chat_id`), through the bot of the ward `ward` (its key), or through
    the deployment's bot when `ward` is None."""

    chat_id: str
    ward: str | None = None

    @classmethod
    def parse(cls, external_id: str) -> ChatAddress:
        """The address a binding stores: "123" or "phuong-mau/123"."""
        ward, separator, chat_id = external_id.rpartition(SEPARATOR)
        return cls(chat_id, ward) if separator and ward else cls(external_id)

    def __str__(self) -> str:
        return f"{self.ward}{SEPARATOR}{self.chat_id}" if self.ward else self.chat_id


def through_bot_of(ward: str | None, chat_id: str) -> str:
    """What a binding stores for `chat_id` as the bot of `ward` (None: the deployment's bot) sees it."""
    return str(ChatAddress(chat_id, ward))
