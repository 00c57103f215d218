"""The list of chat channels, and what every channel offers the sender: send a text to a chat, or say why
it could not.

Adding a channel (Telegram, Zalo, say SMS) is one plug-in module exporting a `bots.plugin.ChannelPlugin`
and one line in PLUGINS below: the sender's channels, the service's inbound side, the labels people read
and the channel names the domain accepts all come from this list."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from bots import telegram_plugin, zalo_plugin
from bots.messages import Button
from bots.plugin import ChannelPlugin, ChannelSettings
from bots.ward_bots import split_bot_name
from tracker.channels import register_channel

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


LOG_LABEL = "tệp nhật ký"

PLUGINS: tuple[ChannelPlugin, ...] = (
    telegram_plugin.PLUGIN,
    zalo_plugin.PLUGIN,
)


def plugins() -> tuple[ChannelPlugin, ...]:
    """Every channel plug-in, in PLUGINS' order, each made known to the domain (tracker.channels) by name and
    label; the log is known too, as a channel nobody binds a chat on."""
    register_channel(LogChannel.name, LOG_LABEL, chat=False)
    for plugin in PLUGINS:
        register_channel(plugin.name, plugin.label)
    return PLUGINS


def plugin_of(bot: str) -> ChannelPlugin | None:
    """The plug-in of a bot's channel, for the deployment's bot ("telegram") or a ward's ("telegram/x")."""
    channel, _ward = split_bot_name(bot)
    return next((plugin for plugin in plugins() if plugin.name == channel), None)


def bots_settings(ward_keys: Collection[str], environ: Mapping[str, str] = os.environ) -> dict[str, ChannelSettings]:
    """The settings of every bot that is switched on, by bot name (bots.ward_bots.bot_name): the
    deployment's bots (enabled_settings), and the wards' own among `ward_keys` (bots.ward_bots). Raises
    ConfigError when a value is wrong, so that a bad value stops the service at start-up."""
    from bots.bot_settings import BotSettings
    from bots.ward_bots import ward_bot_settings, ward_tokens

    base = {plugin.name: plugin.load_settings() for plugin in plugins()}
    chat_bots = {name: settings for name, settings in base.items() if isinstance(settings, BotSettings)}
    tokens = ward_tokens([(name, type(settings)) for name, settings in chat_bots.items()], ward_keys, environ)
    return {**{name: settings for name, settings in base.items() if settings.enabled},
            **ward_bot_settings(chat_bots, tokens)}


def enabled_settings(given: Mapping[str, Any] | None = None) -> dict[str, ChannelSettings]:
    """The settings of every channel that is switched on (its token is set), by plug-in name: `given[name]`
    when the caller gives it, else the plug-in's own loader (the environment). Raises ConfigError when a
    channel's value is wrong, so that a bad value stops the service at start-up."""
    found: dict[str, ChannelSettings] = {}
    for plugin in plugins():
        settings = given[plugin.name] if given and plugin.name in given else plugin.load_settings()
        if settings.enabled:
            found[plugin.name] = settings
    return found


plugins()
