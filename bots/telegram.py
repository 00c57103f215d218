"""Telegram through python-telegram-bot v22: settings, the outbound channel and its error mapping.

The outbound half is the sender's `Channel`: texts from the jobs are plain text, escaped here and sent in
HTML parse mode, so that a task title with "<" or "&" arrives as written; the dialog's replies are sent
with `send_html` and `send_document`. A message over Telegram's limit is split on line boundaries (a longer
line on spaces) and the parts are sent in order. `fetch_file` downloads what a person sent.

The inbound half (long polling, the webhook, updates turned into the channel-agnostic dialog's messages)
is in bots/telegram_inbound.py, bots/telegram_updates.py and bots/webhook_endpoint.py; it shares
`TelegramChannel.bot()`, the Bot of the running event loop."""

from __future__ import annotations

import asyncio
import html
import re
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from pydantic_settings import SettingsConfigDict
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bots.bot_settings import BotSettings, load_settings
from bots.channels import Buttons, ChannelError, ChatMoved, hide_token_in_logs
from bots.splitting import split_text

DEFAULT_API_BASE_URL = "https://api.telegram.org"
MESSAGE_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
# Telegram's shape: the bot's number, a colon, then the secret part (35 characters today).
_TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,100}")
# What Telegram accepts as a webhook's secret_token.
_WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Loggers that write the API URL, which embeds the token: httpx at INFO, the Bot at DEBUG.
_URL_LOGGERS = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")


class TelegramSettings(BotSettings):
    """TELEGRAM_BOT_TOKEN (secret; absent or empty: the Telegram channel is off) and TELEGRAM_API_BASE_URL
    (default https://api.telegram.org; a local Bot API server or a test server). The URL may also be
    given in python-telegram-bot's convention, ending in /bot. Updates come by long polling unless
    TELEGRAM_WEBHOOK_URL is set (the public URL Telegram posts to, usually a reverse proxy's); then
    TELEGRAM_WEBHOOK_SECRET (1-256 characters of A-Z a-z 0-9 _ -) is required and the bot answers at the
    URL's path on the web console's address, or on TELEGRAM_WEBHOOK_LISTEN (host:port) when set. Build it
    with `load_telegram_settings`."""

    # hide_input_in_errors: a validation error must never carry the token it rejected.
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", extra="ignore", hide_input_in_errors=True)
    PLATFORM: ClassVar[str] = "Telegram"
    TOKEN_SHAPE: ClassVar[re.Pattern[str]] = _TOKEN_SHAPE
    TOKEN_HINT: ClassVar[str] = ("số hiệu bot, dấu hai chấm rồi chuỗi bí mật, như 123456789:AAH…; hãy chép lại "
                                 "đúng token mà @BotFather cấp")
    SECRET_SHAPE: ClassVar[re.Pattern[str]] = _WEBHOOK_SECRET_SHAPE
    SECRET_HINT: ClassVar[str] = "1 đến 256 ký tự A-Z, a-z, 0-9, _ hoặc -"
    WEBHOOK_EXAMPLE: ClassVar[str] = "https://phuong.example.vn/telegram"

    api_base_url: str = DEFAULT_API_BASE_URL

    @classmethod
    def api_root(cls, url: str) -> str:
        return api_root(url)


def load_telegram_settings(**values: Any) -> TelegramSettings:
    """The TELEGRAM_* settings from the environment (`values`, by field name, take precedence). Raises
    ConfigError naming each wrong variable in Vietnamese; the rejected values are never repeated in it."""
    return load_settings(TelegramSettings, **values)


def api_root(url: str) -> str:
    """The Bot API server's root URL: trailing slashes and python-telegram-bot's /bot suffix removed, so
    that both "https://api.telegram.org" and "https://api.telegram.org/bot" name the same server."""
    root = url.strip().rstrip("/")
    return root.removesuffix("/bot").rstrip("/")


@dataclass(frozen=True)
class Timeouts:
    """Seconds PTB's HTTP client waits for each step of a request. One part of a message is bounded by
    connect + write + read; the sender's own send_timeout bounds a whole message of several parts."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 5.0
    media_write: float = 60.0


class TelegramChannel:
    """The Telegram `Channel`. One Bot (with its HTTP connections) per event loop: connections opened on
    one loop cannot be used from another, and the sender's tests run each step in a loop of its own.
    Close with `aclose()` or `async with`; a closed channel opens new connections when it sends again.
    The token stays private: it is neither in repr() nor in any ChannelError, and the library loggers that
    print request URLs get a filter that masks it."""

    name = "telegram"

    def __init__(self, token: str, *, api_base_url: str = DEFAULT_API_BASE_URL, timeouts: Timeouts = Timeouts(),
                 connections: int = 16) -> None:
        if not token:
            raise ValueError("a Telegram channel needs a bot token")
        self._token = token
        self.api_base_url = api_root(api_base_url)
        self.timeouts = timeouts
        self.connections = connections
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: Bot | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        hide_token_in_logs(token, _URL_LOGGERS)

    @classmethod
    def from_settings(cls, settings: TelegramSettings, **options: Any) -> TelegramChannel:
        """The channel the settings describe; `options` go to the constructor. Raises ValueError when the
        settings hold no token (the channel is off)."""
        if settings.bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        return cls(settings.bot_token.get_secret_value(), api_base_url=settings.api_base_url, **options)

    def __repr__(self) -> str:
        return f"TelegramChannel(api_base_url={self.api_base_url!r})"

    async def __aenter__(self) -> TelegramChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def bot(self) -> Bot:
        """The Bot of the running event loop, built on first use. Must be called inside a running loop."""
        loop = asyncio.get_running_loop()
        if self._bot is None or self._loop is not loop:
            # A Bot left from an earlier loop is dropped, not closed: its connections died with that loop.
            self._requests = (self._request(), self._request())
            self._bot = Bot(self._token, base_url=f"{self.api_base_url}/bot",
                            base_file_url=f"{self.api_base_url}/file/bot", request=self._requests[0],
                            get_updates_request=self._requests[1])
            self._loop = loop
        return self._bot

    def _request(self) -> HTTPXRequest:
        t = self.timeouts
        return HTTPXRequest(connection_pool_size=self.connections, connect_timeout=t.connect, read_timeout=t.read,
                            write_timeout=t.write, pool_timeout=t.pool, media_write_timeout=t.media_write)

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        """Send the plain `text` to chat `external_id`, escaped, in HTML parse mode, split into parts of
        at most 4096 characters sent in order, `buttons` as an inline keyboard under the last part.
        Returns once Telegram accepted every part; raises ChannelError (see `to_channel_error`) otherwise.
        A failure after the first part leaves the earlier parts delivered: a retry sends them again."""
        from bots.telegram_updates import keyboard  # that module renders replies with this one's helpers

        await self.send_html(external_id, html.escape(text, quote=False), reply_markup=keyboard(buttons))

    async def send_html(self, external_id: str, text: str, *,
                        reply_markup: InlineKeyboardMarkup | None = None) -> list[int]:
        """Send `text`, already HTML for Telegram (every value in it escaped by the caller; each tag opened
        and closed on one line, since long messages are cut between lines), with `reply_markup` on the
        last part. Returns the message ids, in order. Raises ChannelError as `send` does, and a permanent
        one for a text with nothing to show."""
        parts = split_message(text)
        if not parts:
            raise ChannelError("tin nhắn rỗng: Telegram không gửi tin không có chữ", retryable=False)
        bot = self.bot()
        sent: list[int] = []
        for index, part in enumerate(parts):
            markup = reply_markup if index == len(parts) - 1 else None
            try:
                message = await bot.send_message(chat_id=external_id, text=part, parse_mode=ParseMode.HTML,
                                                 reply_markup=markup)
            except TelegramError as exc:
                raise to_channel_error(exc, secret=self._token) from exc
            sent.append(message.message_id)
        return sent

    async def send_document(self, external_id: str, name: str, content: bytes, *, caption_html: str = "",
                            reply_markup: InlineKeyboardMarkup | None = None) -> int:
        """Send `content` as the document `name` to chat `external_id`, with an HTML caption (escaped by
        the caller, at most 1024 characters) and buttons when given. Returns the message id; raises
        ChannelError as `send` does."""
        try:
            message = await self.bot().send_document(
                chat_id=external_id, document=content, filename=name, caption=caption_html or None,
                parse_mode=ParseMode.HTML if caption_html else None, reply_markup=reply_markup)
        except TelegramError as exc:
            raise to_channel_error(exc, secret=self._token) from exc
        return message.message_id

    async def fetch_file(self, ref: str, max_bytes: int) -> bytes:
        """The content of the file whose file_id is `ref`, through getFile and a download. The size
        Telegram reports is checked against `max_bytes` before downloading, the bytes received after.
        Raises ChannelError: permanent for a file over `max_bytes` or one Telegram will not serve (over
        its 20 MB limit, an unknown file_id), retryable for network and server errors."""
        bot = self.bot()
        try:
            file = await bot.get_file(ref)
            if file.file_size is not None and file.file_size > max_bytes:
                raise _too_large(file.file_size, max_bytes)
            content = bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            raise ChannelError(f"Telegram không cho tải tệp (400): {exc.message.replace(self._token, '***')}",
                               retryable=False) from exc
        except TelegramError as exc:
            raise to_channel_error(exc, secret=self._token) from exc
        except RuntimeError as exc:  # PTB: getFile gave no file_path, so there is nothing to download
            raise ChannelError("Telegram không cho đường dẫn tải tệp", retryable=False) from exc
        if len(content) > max_bytes:
            raise _too_large(len(content), max_bytes)
        return content

    async def aclose(self) -> None:
        """Close the HTTP connections of the current loop's Bot. Safe to call more than once."""
        requests, self._requests, self._bot, self._loop = self._requests, (), None, None
        await asyncio.gather(*(request.shutdown() for request in requests))


def _too_large(size: int, max_bytes: int) -> ChannelError:
    return ChannelError(f"tệp {size} byte, quá giới hạn {max_bytes} byte", retryable=False)


def to_channel_error(exc: TelegramError, *, secret: str = "") -> ChannelError:
    """What a failed Bot API call means to the sender. RetryAfter: retryable after its wait. ChatMigrated:
    ChatMoved to the new chat id. Forbidden (bot blocked, user deactivated, bot removed) and "chat not
    found": permanent, the chat unreachable. TimedOut, other network and server errors, a rejected token
    (the configuration's fault, not the message's), anything else: retryable. Another BadRequest:
    permanent for this message, the chat kept. `secret` is masked wherever it would appear."""
    description = exc.message.replace(secret, "***") if secret else exc.message
    if isinstance(exc, RetryAfter):
        wait = retry_after_seconds(exc)
        return ChannelError(f"Telegram yêu cầu chờ {wait:g} giây rồi mới gửi tiếp (429)", retryable=True,
                            retry_after=wait)
    if isinstance(exc, ChatMigrated):
        return ChatMoved(f"nhóm chat đã chuyển thành siêu nhóm mang mã {exc.new_chat_id}",
                         new_external_id=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return ChannelError(f"Telegram không cho bot gửi tới chat này (403): {description}", retryable=False,
                            unreachable=True)
    if isinstance(exc, InvalidToken):
        return ChannelError("Telegram không nhận token của bot (401/404): kiểm tra TELEGRAM_BOT_TOKEN và "
                            "TELEGRAM_API_BASE_URL", retryable=True)
    if isinstance(exc, TimedOut):
        return ChannelError("hết thời gian chờ Telegram trả lời", retryable=True)
    if isinstance(exc, BadRequest):
        if "chat not found" in description.lower():
            return ChannelError(f"Telegram không tìm thấy chat (400): {description}", retryable=False,
                                unreachable=True)
        return ChannelError(f"Telegram từ chối tin nhắn (400): {description}", retryable=False)
    if isinstance(exc, NetworkError):
        return ChannelError(f"lỗi mạng hoặc lỗi máy chủ Telegram: {description}", retryable=True)
    return ChannelError(f"lỗi Telegram ({type(exc).__name__}): {description}", retryable=True)


def retry_after_seconds(exc: RetryAfter) -> float:
    """The seconds Telegram asked to wait. PTB 22 warns that retry_after becomes a timedelta; both
    are accepted, without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` (HTML) in parts of at most `limit` UTF-16 code units, the unit Telegram counts in, measured
    before entity parsing (so "&amp;" counts 5: safe, since Telegram's limit applies after parsing).
    A part ends at a line break where one fits, else at a space, else between characters, never inside a
    tag or an entity; the line break or space cut at is dropped, so "\\n".join(parts) == text when every
    line fits. Parts holding only whitespace are left out (Telegram refuses them)."""
    return split_text(text, limit, size=_size, atoms=_ATOM)


# A tag, an entity, or one character: the units a word may be cut between.
_ATOM = re.compile(r"<[^<>\n]{0,256}>|&#?[A-Za-z0-9]{1,10};|.", re.DOTALL)


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
