"""Wards with a bot of their own: a large deployment gives some wards their own Telegram or Zalo bot, so that
their messages do not queue behind every other ward's on the deployment's bot (a bot's limit is the
platform's, per token). Wards without one use the deployment's bot.

A ward's bot is named "<channel>/<ward key>" ("telegram/phuong-mau") where the deployment's is named by its
channel ("telegram"): the sender's channels, the rate limits and the poll leases are per bot name. Its
tokens are secrets, so they are never in the ward's TOML: they come from the environment,
<PREFIX>BOT_TOKEN__<WARD KEY> (the key in capitals, "-" written "_": TELEGRAM_BOT_TOKEN__PHUONG_MAU), or from
the file TRACKER_WARD_BOTS_FILE, readable by its owner only (chmod 600):

    [phuong-mau]
    telegram_bot_token = "123456:AA..."
    zalo_bot_token = "..."

The environment wins over the file. A chat with a ward's bot is bound, remembered and written to apart from
the same person's chat with the deployment's bot (tracker.chat_address)."""

from __future__ import annotations

import dataclasses
import os
import stat
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.messages import DialogLike, Inbound, Reply
from tracker.channels import channel_label
from tracker.chat_address import SEPARATOR, through_bot_of
from tracker.errors import ConfigError

if TYPE_CHECKING:
    from bots.bot_settings import BotSettings

FILE_VARIABLE = "TRACKER_WARD_BOTS_FILE"
_ENV_SEPARATOR = "__"


def bot_name(channel: str, ward: str | None) -> str:
    """The name of the bot of `ward` (its key) on `channel`, or of the deployment's bot when `ward` is None."""
    return f"{channel}{SEPARATOR}{ward}" if ward else channel


def split_bot_name(name: str) -> tuple[str, str | None]:
    """(channel, ward key or None) of a bot name made by `bot_name`."""
    channel, separator, ward = name.partition(SEPARATOR)
    return (channel, ward) if separator and ward else (name, None)


def bot_label(name: str) -> str:
    """What people read for a bot: "Telegram", or "Telegram (bot riêng của phuong-mau)"."""
    channel, ward = split_bot_name(name)
    return f"{channel_label(channel)} (bot riêng của {ward})" if ward else channel_label(channel)


def ward_tokens(channels: Iterable[tuple[str, type[BotSettings]]], ward_keys: Collection[str],
                environ: Mapping[str, str] = os.environ) -> dict[tuple[str, str], str]:
    """The tokens of the wards' own bots, by (channel, ward key): from the file FILE_VARIABLE names, then
    the environment's <PREFIX>BOT_TOKEN__<WARD KEY> over it. `channels` are the (name, settings class) of
    the chat channels. Raises ConfigError (one Vietnamese line, no token in it) for a file that others may
    read, cannot be read or is not TOML of that shape, or for a ward key that is not one of `ward_keys`."""
    settings_of = dict(channels)
    found: dict[tuple[str, str], str] = {}
    path = environ.get(FILE_VARIABLE, "").strip()
    if path:
        found.update(_file_tokens(Path(path), settings_of, ward_keys))
    by_env_name = _env_names(ward_keys)
    for name, cls in settings_of.items():
        prefix = f"{cls.env('bot_token')}{_ENV_SEPARATOR}"
        for variable, value in environ.items():
            if not variable.startswith(prefix) or not value.strip():
                continue
            ward = by_env_name.get(variable.removeprefix(prefix))
            if ward is None:
                raise ConfigError(f"{variable}: không có phường/xã nào có khóa tương ứng (khóa viết hoa, «-» "
                                  "viết «_»); hãy kiểm tra lại tên biến.")
            found[(name, ward)] = value.strip()
    return found


def ward_bot_settings(base: Mapping[str, BotSettings], tokens: Mapping[tuple[str, str], str]
                      ) -> dict[str, BotSettings]:
    """The settings of each ward's own bot, by bot name: the deployment's settings of its channel (`base`,
    by channel name, switched on or not) with the ward's token, and, when the deployment takes a webhook,
    the webhook at <WEBHOOK_URL>/<ward key> with the same secret and listener. Raises ConfigError for a
    token of the wrong shape, naming the ward."""
    from bots.bot_settings import load_settings  # pydantic-settings: for `tracker serve`, not every command

    found: dict[str, BotSettings] = {}
    for (channel, ward), token in sorted(tokens.items()):
        settings = base[channel]
        values: dict[str, Any] = {**settings.model_dump(), "bot_token": token}
        if settings.webhook_url:
            values["webhook_url"] = f"{settings.webhook_url.rstrip('/')}/{ward}"
        try:
            found[bot_name(channel, ward)] = load_settings(type(settings), **values)
        except ConfigError as exc:
            raise ConfigError(f"Bot riêng của phường/xã «{ward}»: {exc.message}") from None
    return found


def for_ward_bot(dialog: DialogLike, ward: str | None) -> DialogLike:
    """`dialog` as a ward's own bot hands it messages: each chat and event under the ward's bot
    (tracker.chat_address), so that bindings, conversations and handled events stay apart from the
    deployment's bot's. `dialog` itself for the deployment's bot (`ward` None)."""
    return dialog if ward is None else _WardBotDialog(dialog, ward)


def say_through_ward_bot(say: Callable[[str, str], None], ward: str | None) -> Callable[[str, str], None]:
    """The dialog's `say(chat, text)` for a ward's own bot: the dialog names the chat as the binding does,
    the platform by its own id."""
    if ward is None:
        return say
    prefix = f"{ward}{SEPARATOR}"
    return lambda chat, text: say(chat.removeprefix(prefix), text)


@dataclasses.dataclass(frozen=True)
class _WardBotDialog:
    dialog: DialogLike
    ward: str

    def handle(self, inbound: Inbound) -> list[Reply]:
        return self.dialog.handle(dataclasses.replace(
            inbound, chat_id=through_bot_of(self.ward, inbound.chat_id),
            event_id=through_bot_of(self.ward, inbound.event_id)))


def _env_names(ward_keys: Collection[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key in ward_keys:
        names.setdefault(key.upper().replace("-", "_"), key)
    return names


def _file_tokens(path: Path, settings_of: Mapping[str, type[BotSettings]],
                 ward_keys: Collection[str]) -> dict[tuple[str, str], str]:
    try:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{FILE_VARIABLE}: tệp {path.name} chứa token nên chỉ chủ tệp được đọc; hãy chạy "
                              f"chmod 600 {path.name}.")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{FILE_VARIABLE}: không đọc được tệp {path.name} ({type(exc).__name__}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{FILE_VARIABLE}: tệp {path.name} không đúng dạng TOML ({exc}).") from None
    fields = {f"{name}_bot_token": name for name in settings_of}
    found: dict[tuple[str, str], str] = {}
    for ward, table in data.items():
        if ward not in ward_keys:
            raise ConfigError(f"{FILE_VARIABLE}: không có phường/xã nào có khóa «{ward}».")
        if not isinstance(table, dict):
            raise ConfigError(f"{FILE_VARIABLE}: «{ward}» phải là một bảng [{ward}] với các dòng "
                              f"{', '.join(fields)}.")
        for field, value in table.items():
            if field not in fields or not isinstance(value, str):
                raise ConfigError(f"{FILE_VARIABLE}: trong [{ward}] chỉ được có {', '.join(fields)} (chuỗi ký tự).")
            if value.strip():
                found[(fields[field], ward)] = value.strip()
    return found
