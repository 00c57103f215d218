"""The Zalo Bot Platform over httpx: settings, the Bot API calls, and the outbound channel with its error mapping.

Why httpx directly: the Python packages for the Zalo Bot Platform are thin and rarely updated, and the API is
a handful of JSON POSTs to `{base}/bot{token}/{method}` answering `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": N, "description": ...}`. Zalo has no buttons, no HTML and, for a bot, no way to
send a Word file: texts go as plain text of 1 to 2000 characters, longer ones split on line boundaries, and
buttons become numbered choices (`bots.dialog.numbered_text`), which the dialog understands typed back.

The inbound half (long polling, the webhook, events turned into the dialog's messages) is in
bots/zalo_inbound.py."""

from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar

import httpx
from pydantic_settings import SettingsConfigDict

from bots.bot_settings import BotSettings, load_settings
from bots.channels import Buttons, ChannelError, hide_token_in_logs
from bots.dialog.choices import numbered_text
from bots.messages import Reply
from bots.splitting import split_text

CHANNEL = "zalo"
DEFAULT_API_BASE_URL = "https://bot-api.zaloplatforms.com"
MESSAGE_LIMIT = 2000  # characters per sendMessage, as the platform documents
# The platform gives tokens as "<bot id>:<secret>"; nothing more is promised about the secret part.
_TOKEN_SHAPE = re.compile(r"\d{1,25}:[^\s/?#]{10,300}")
# setWebhook's secret_token: 8 to 256 characters; visible ASCII, since it travels in an HTTP header.
_WEBHOOK_SECRET_SHAPE = re.compile(r"[!-~]{8,256}")
POLL_TIMEOUT_CODE = 408  # getUpdates: no event came within its timeout
# httpx logs each request's URL, which embeds the token.
_URL_LOGGERS = ("httpx",)


class ZaloSettings(BotSettings):
    """ZALO_BOT_TOKEN (secret; absent or empty: the Zalo channel is off) and ZALO_API_BASE_URL (default
    https://bot-api.zaloplatforms.com; requests go to {base}/bot{token}/{method}). Events come by long
    polling unless ZALO_WEBHOOK_URL is set (the public HTTPS URL Zalo posts to); then ZALO_WEBHOOK_SECRET
    (8-256 visible ASCII characters) is required and the bot answers at the URL's path on the web console's
    address, or on ZALO_WEBHOOK_LISTEN (host:port) when set. Build it with `load_zalo_settings`."""

    # hide_input_in_errors: a validation error must never carry the token it rejected.
    model_config = SettingsConfigDict(env_prefix="ZALO_", extra="ignore", hide_input_in_errors=True)
    PLATFORM: ClassVar[str] = "Zalo"
    TOKEN_SHAPE: ClassVar[re.Pattern[str]] = _TOKEN_SHAPE
    TOKEN_HINT: ClassVar[str] = ("mã số bot, dấu hai chấm rồi chuỗi bí mật; hãy chép lại đúng token mà Zalo "
                                 "Bot Manager gửi")
    SECRET_SHAPE: ClassVar[re.Pattern[str]] = _WEBHOOK_SECRET_SHAPE
    SECRET_HINT: ClassVar[str] = ("8 đến 256 ký tự chữ, số hoặc dấu, không có khoảng trắng và không dấu "
                                  "tiếng Việt")
    WEBHOOK_EXAMPLE: ClassVar[str] = "https://phuong.example.vn/zalo"

    api_base_url: str = DEFAULT_API_BASE_URL


def load_zalo_settings(**values: Any) -> ZaloSettings:
    """The ZALO_* settings from the environment (`values`, by field name, take precedence). Raises
    ConfigError naming each wrong variable in Vietnamese; the rejected values are never repeated in it."""
    return load_settings(ZaloSettings, **values)


class ZaloApiError(ChannelError):
    """A Bot API call that failed, as the sender sees it (see `to_channel_error`), with the platform's
    `code` (error_code, else the HTTP status; 0 for a network failure or a timeout)."""

    def __init__(self, message: str, *, code: int, retryable: bool, retry_after: float | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after, unreachable=unreachable)
        self.code = code


def to_channel_error(status: int, body: Any, *, retry_after_header: str | None = None) -> ZaloApiError:
    """What a failed call means to the sender. The platform documents the answer's shape (ok, error_code,
    description), not a list of codes; they follow the Bot API convention its own SDK (a fork of
    python-telegram-bot) handles. 429: retryable after parameters.retry_after (or Retry-After). 5xx and 408:
    retryable. 403 (the person blocked the bot) and 400/404 naming the chat (unknown chat): permanent, the
    chat unreachable. 401 and another 404 (the token is wrong): permanent. Another 4xx: permanent for this
    message, the chat kept."""
    payload = body if isinstance(body, dict) else {}
    code = payload.get("error_code") if isinstance(payload.get("error_code"), int) else status
    description = str(payload.get("description") or "").strip() or f"HTTP {status}"
    said = f"({code}): {description}"
    lowered = description.lower()
    if code == 429 or status == 429:
        wait = _seconds((payload.get("parameters") or {}).get("retry_after")) or _seconds(retry_after_header)
        return ZaloApiError(f"Zalo yêu cầu chờ rồi mới gửi tiếp {said}", code=429, retryable=True, retry_after=wait)
    if code >= 500 or status >= 500 or code == POLL_TIMEOUT_CODE:
        return ZaloApiError(f"lỗi máy chủ Zalo {said}", code=code, retryable=True)
    if code == 403:
        return ZaloApiError(f"Zalo không cho bot gửi tới chat này {said}", code=code, retryable=False,
                            unreachable=True)
    if code in (400, 404) and "chat" in lowered and ("not found" in lowered or "invalid" in lowered):
        return ZaloApiError(f"Zalo không tìm thấy chat {said}", code=code, retryable=False, unreachable=True)
    if code in (401, 404):
        return ZaloApiError(f"Zalo không nhận token của bot {said}: kiểm tra ZALO_BOT_TOKEN và ZALO_API_BASE_URL",
                            code=code, retryable=False)
    return ZaloApiError(f"Zalo từ chối tin nhắn {said}", code=code, retryable=False)


def _seconds(value: object) -> float | None:
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def render(reply: Reply) -> str:
    """The text Zalo shows for `reply`: its text with the buttons as numbered choices; a file, which a Zalo
    bot cannot send, is named with where it can be had."""
    text = numbered_text(reply)
    if reply.file is not None:
        text += (f"\n\nTệp {reply.file.name} không gửi được qua Zalo: nhận tệp qua Telegram hoặc lấy bằng "
                 "dòng lệnh (tracker).")
    return text


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line breaks (a longer line at spaces, a longer
    word between characters); whitespace-only parts are left out. See bots.splitting.split_text."""
    return split_text(text, limit)


class ZaloChannel:
    """The Zalo `Channel` and the client of the Bot API calls the adapter uses. One httpx client per event
    loop (connections opened on one loop cannot be used from another). Close with `aclose()` or `async
    with`. The token is in no repr() and no ChannelError, and httpx's logger gets a filter that masks it."""

    name = CHANNEL

    def __init__(self, token: str, *, api_base_url: str = DEFAULT_API_BASE_URL, timeout: float = 10.0,
                 connections: int = 16) -> None:
        if not token:
            raise ValueError("a Zalo channel needs a bot token")
        self._token = token
        self.api_base_url = api_base_url.rstrip("/")
        self.timeout = timeout
        self.connections = connections
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        hide_token_in_logs(token, _URL_LOGGERS)

    @classmethod
    def from_settings(cls, settings: ZaloSettings, **options: Any) -> ZaloChannel:
        """The channel the settings describe; `options` go to the constructor. Raises ValueError when the
        settings hold no token (the channel is off)."""
        if settings.bot_token is None:
            raise ValueError("ZALO_BOT_TOKEN is not set")
        return cls(settings.bot_token.get_secret_value(), api_base_url=settings.api_base_url, **options)

    def __repr__(self) -> str:
        return f"ZaloChannel(api_base_url={self.api_base_url!r})"

    async def __aenter__(self) -> ZaloChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # A client left from an earlier loop is dropped, not closed: its connections died with that loop.
            limits = httpx.Limits(max_connections=self.connections)
            self._client, self._loop = httpx.AsyncClient(timeout=self.timeout, limits=limits), loop
        return self._client

    async def call(self, method: str, payload: dict[str, Any] | None = None, *,
                   timeout: float | None = None) -> Any:
        """POST `payload` as JSON to the Bot API `method`; returns the answer's `result`. Raises
        ZaloApiError: see `to_channel_error`; a timeout or network failure is retryable (code 0)."""
        url = f"{self.api_base_url}/bot{self._token}/{method}"
        try:
            response = await self._http().post(url, json=payload or {},
                                               timeout=self.timeout if timeout is None else timeout)
        except httpx.TimeoutException as exc:
            raise ZaloApiError(f"hết thời gian chờ Zalo trả lời {method}", code=0, retryable=True) from exc
        except httpx.TransportError as exc:
            raise ZaloApiError(f"lỗi mạng khi gọi Zalo {method}: {type(exc).__name__}", code=0,
                               retryable=True) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        error = to_channel_error(response.status_code, body, retry_after_header=response.headers.get("retry-after"))
        error.args = (str(error).replace(self._token, "***"),)
        raise error

    async def get_me(self) -> dict[str, Any]:
        """getMe: the bot's id and name. Raises ZaloApiError."""
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_update(self, timeout: float) -> dict[str, Any] | None:
        """getUpdates: the next event (Zalo answers one at a time), waiting up to `timeout` seconds; None
        when none came. Raises ZaloApiError (409 while a webhook is set)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(int(timeout))}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.code == POLL_TIMEOUT_CODE:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret: str) -> None:
        """setWebhook: Zalo posts events to `url` with `secret` in X-Bot-Api-Secret-Token; getUpdates then
        stops working. Raises ZaloApiError."""
        await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        """deleteWebhook, so that getUpdates works again. Raises ZaloApiError."""
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        """getWebhookInfo: the webhook's url ("" when none) and when it was set. Raises ZaloApiError."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, external_id: str, action: str = "typing") -> None:
        """sendChatAction: "đang soạn tin" shown in the chat for a moment. Raises ZaloApiError."""
        await self.call("sendChatAction", {"chat_id": external_id, "action": action})

    async def send_text(self, external_id: str, text: str) -> list[str]:
        """Send plain `text` to chat `external_id` in parts of at most 2000 characters, in order. Returns the
        message ids. Raises ZaloApiError as `call` does, and a permanent one for a text with nothing to show;
        a failure after the first part leaves the earlier parts delivered (a retry sends them again)."""
        parts = split_message(text)
        if not parts:
            raise ZaloApiError("tin nhắn rỗng: Zalo không gửi tin không có chữ", code=400, retryable=False)
        sent: list[str] = []
        for part in parts:
            result = await self.call("sendMessage", {"chat_id": external_id, "text": part})
            sent.append(str((result or {}).get("message_id", "")) if isinstance(result, dict) else "")
        return sent

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        """The sender's send: `text` with `buttons` as numbered choices under it, as plain text split into
        parts of at most 2000 characters. Returns once Zalo accepted every part; raises ChannelError
        (a ZaloApiError, see `to_channel_error`) otherwise."""
        reply = Reply(text, buttons=tuple(tuple(row) for row in buttons))
        await self.send_text(external_id, render(reply))

    async def aclose(self) -> None:
        """Close the current loop's HTTP connections. Safe to call more than once."""
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.aclose()
