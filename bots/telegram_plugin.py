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
    from bots.telegram_inbound import file_fetcher, run_telegram

    files = {NAME: file_fetcher(channel, asyncio.get_running_loop())}
    dialog = Dialog(context.engine, context.clock, files=files)
    await run_telegram(channel, settings, dialog, limiter=context.limiter)


PLUGIN = ChannelPlugin(name=NAME, label="Telegram", load_settings=load_settings, build=build, serve=serve)
