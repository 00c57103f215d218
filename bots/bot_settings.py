"""What every chat bot is configured with, checked at start-up: its token (secret), the API server, and
the optional webhook (public URL, secret, local listen address). Each channel subclasses `BotSettings`
with its environment prefix, its defaults and the shapes its platform accepts; the checks and their
Vietnamese messages are written once, here."""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings

from tracker.errors import ConfigError

S = TypeVar("S", bound="BotSettings")


class BotSettings(BaseSettings):
    """<PREFIX>BOT_TOKEN (secret; absent or empty: the channel is off), <PREFIX>API_BASE_URL, and the
    webhook: <PREFIX>WEBHOOK_URL (then <PREFIX>WEBHOOK_SECRET is required) and <PREFIX>WEBHOOK_LISTEN
    (host:port of a listener of its own; empty: served on the web console's address). Subclasses set
    `model_config` (env_prefix, hide_input_in_errors=True so that an error never carries the token), the
    field defaults and the class constants below."""

    PLATFORM: ClassVar[str] = ""  # as people name it: "Telegram", "Zalo"
    TOKEN_SHAPE: ClassVar[re.Pattern[str]]
    TOKEN_HINT: ClassVar[str]  # what a token looks like and where to get it
    SECRET_SHAPE: ClassVar[re.Pattern[str]]
    SECRET_HINT: ClassVar[str]  # what the platform accepts as a webhook secret
    WEBHOOK_EXAMPLE: ClassVar[str]
    LISTEN_EXAMPLE: ClassVar[str] = "127.0.0.1:8443"

    bot_token: SecretStr | None = None
    api_base_url: str = ""
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = ""

    @classmethod
    def env(cls, field: str) -> str:
        """The environment variable of `field`: "bot_token" → "TELEGRAM_BOT_TOKEN"."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def api_root(cls, url: str) -> str:
        """The API server's root as requests are built from it; subclasses may strip more."""
        return url.strip().rstrip("/")

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        text = _secret_text(value)
        if text is not None and not cls.TOKEN_SHAPE.fullmatch(text):
            raise ValueError(f"{cls.env('bot_token')} không đúng dạng token {cls.PLATFORM} ({cls.TOKEN_HINT}).")
        return text

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _base_url_shape(cls, value: object) -> str:
        default = cls.model_fields["api_base_url"].default
        text = str(value or "").strip() or default
        if not is_web_address(text, query=False):
            raise ValueError(f"{cls.env('api_base_url')} phải là địa chỉ máy chủ bắt đầu bằng http:// hoặc "
                             f"https://, không có ? hay #, ví dụ {default}.")
        return cls.api_root(text)

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url_shape(cls, value: object) -> str | None:
        text = str(value or "").strip()
        if not text:
            return None
        if not is_web_address(text, query=True):
            raise ValueError(f"{cls.env('webhook_url')} phải là địa chỉ công khai bắt đầu bằng https:// mà "
                             f"{cls.PLATFORM} gửi tin tới, ví dụ {cls.WEBHOOK_EXAMPLE}.")
        return text

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret_shape(cls, value: object) -> object:
        text = _secret_text(value)
        if text is not None and not cls.SECRET_SHAPE.fullmatch(text):
            raise ValueError(f"{cls.env('webhook_secret')} phải gồm {cls.SECRET_HINT}.")
        return text

    @field_validator("webhook_listen", mode="before")
    @classmethod
    def _listen_shape(cls, value: object) -> str:
        text = str(value or "").strip()
        if not text:
            return ""
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{cls.env('webhook_listen')} phải có dạng địa_chỉ:cổng, ví dụ "
                             f"{cls.LISTEN_EXAMPLE}, hoặc để trống để nhận webhook ở cổng của trang quản lý.")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> BotSettings:
        if self.bot_token is not None and self.bot_token.get_secret_value() in self.api_base_url:
            raise ValueError(f"{self.env('api_base_url')} không được chứa token: token chỉ đặt ở "
                             f"{self.env('bot_token')}.")
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(f"Có {self.env('webhook_url')} thì phải đặt {self.env('webhook_secret')}, để chỉ "
                             f"{self.PLATFORM} gửi được tin tới bot.")
        return self

    @property
    def enabled(self) -> bool:
        """Whether a token is set, so that the channel runs."""
        return self.bot_token is not None

    @property
    def webhook_listener(self) -> str | None:
        """Where the webhook is served: None without a webhook (long polling), "" on the web console's
        address, else <PREFIX>WEBHOOK_LISTEN's "host:port"."""
        return None if self.webhook_url is None else self.webhook_listen


def load_settings(cls: type[S], **values: Any) -> S:
    """`cls`'s settings from the environment (`values`, by field name, take precedence). Raises
    ConfigError naming each wrong variable in Vietnamese; the rejected values are never repeated in it."""
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = " ".join(_problem(cls, error) for error in exc.errors(include_input=False, include_url=False))
        raise ConfigError(f"Cấu hình {cls.PLATFORM} chưa đúng. {problems}") from None


def is_web_address(text: str, *, query: bool) -> bool:
    """Whether `text` is an http(s) URL with a host, no fragment, and no query unless `query`."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.fragment and (
        query or not parts.query)


def _secret_text(value: object) -> str | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("phải là một chuỗi ký tự.")
    return value.strip()


def _problem(cls: type[BotSettings], error: ErrorDetails) -> str:
    reason = (error.get("ctx") or {}).get("error")
    if reason is not None:
        return str(reason)
    field = str(error["loc"][0]) if error["loc"] else "bot_token"
    return f"{cls.env(field)} không hợp lệ."
