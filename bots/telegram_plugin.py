"""Telegram as a channel plug-in: its settings (TELEGRAM_*), the sender's channel, and the bot that
answers in chats with buttons and files (bots/telegram.py, bots/telegram_inbound.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bots.plugin import ChannelPlugin, InboundContext

if TYPE_CHECKING:
    from bots.telegram import TelegramChannel, TelegramSettings

NAME = "telegram"


def load_settings() -> TelegramSettings:
    """The TELEGRAM_* settings from the environment; ConfigError when one is wrong."""
    from bots.telegram import load_telegram_settings

    return load_telegram_settings()


def build(settings: TelegramSettings) -> TelegramChannel:
    """The sender's Telegram channel."""
    from bots.telegram import TelegramChannel

    return TelegramChannel.from_settings(settings)


async def serve(channel: TelegramChannel, settings: TelegramSettings, context: InboundContext) -> None:
    """Answer the bot's chats through the dialog (long polling, or the webhook when TELEGRAM_WEBHOOK_URL is
    set), fetching the files people send, until cancelled."""
    from bots.dialog import Dialog
    from bots.telegram_inbound import file_fetcher, message_sender, run_telegram
    from bots.ward_bots import for_ward_bot, say_through_ward_bot

    loop = asyncio.get_running_loop()
    say = say_through_ward_bot(message_sender(channel, loop), context.ward)
    dialog = Dialog(context.engine, context.clock, files={NAME: file_fetcher(channel, loop)}, say_now={NAME: say})
    await run_telegram(channel, settings, for_ward_bot(dialog, context.ward), limiter=context.limiter,
                       webhooks=context.webhooks, leases=context.poll_leases)


async def check(settings: TelegramSettings) -> tuple[str, list[str]]:
    """The bot's @name, and what is wrong with its webhook: not the one TELEGRAM_WEBHOOK_URL names, or
    Telegram's last error delivering to it. Raises ChannelError."""
    from telegram.error import TelegramError

    from bots.telegram import TelegramChannel, to_channel_error

    async with TelegramChannel.from_settings(settings) as channel:
        try:
            me = await channel.bot().get_me()
            info = await channel.bot().get_webhook_info()
        except TelegramError as exc:
            token = settings.bot_token.get_secret_value() if settings.bot_token else ""
            raise to_channel_error(exc, secret=token) from exc
    problems = []
    wanted = settings.webhook_url or ""
    if wanted and info.url != wanted:
        problems.append(f"webhook đang là «{info.url or 'không có'}», cần là {wanted}: chạy lại tracker serve")
    if wanted and info.last_error_message:
        problems.append(f"Telegram báo lỗi khi gửi tới webhook: {info.last_error_message}")
    return f"@{me.username}", problems


PLUGIN = ChannelPlugin(name=NAME, label="Telegram", load_settings=load_settings, build=build, serve=serve,
                       check=check)
