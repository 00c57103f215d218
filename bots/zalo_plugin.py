"""Zalo as a channel plug-in: its settings (ZALO_*), the sender's channel, and the bot that answers in
chats without buttons or files (bots/zalo.py, bots/zalo_inbound.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.plugin import ChannelPlugin, InboundContext

if TYPE_CHECKING:
    from bots.zalo import ZaloChannel, ZaloSettings


def load_settings() -> ZaloSettings:
    """The ZALO_* settings from the environment; ConfigError when one is wrong."""
    from bots.zalo import load_zalo_settings

    return load_zalo_settings()


def build(settings: ZaloSettings) -> ZaloChannel:
    """The sender's Zalo channel."""
    from bots.zalo import ZaloChannel

    return ZaloChannel.from_settings(settings)


async def serve(channel: ZaloChannel, settings: ZaloSettings, context: InboundContext) -> None:
    """Answer the bot's chats through a dialog that offers numbered choices instead of buttons and takes no
    files (long polling, or the webhook when ZALO_WEBHOOK_URL is set), until cancelled."""
    from bots.dialog import ChannelCaps, Dialog
    from bots.ward_bots import for_ward_bot
    from bots.zalo_inbound import run_zalo

    dialog = Dialog(context.engine, context.clock, channel_caps=ChannelCaps(buttons=False, files=False))
    await run_zalo(channel, settings, for_ward_bot(dialog, context.ward), webhooks=context.webhooks,
                   leases=context.poll_leases)


async def check(settings: ZaloSettings) -> tuple[str, list[str]]:
    """The bot's name, and whether its webhook is the one ZALO_WEBHOOK_URL names. Raises ChannelError."""
    from bots.zalo import ZaloChannel

    async with ZaloChannel.from_settings(settings) as channel:
        me = await channel.get_me()
        info = await channel.get_webhook_info()
    problems = []
    wanted, current = settings.webhook_url or "", str(info.get("url") or "")
    if wanted and current != wanted:
        problems.append(f"webhook đang là «{current or 'không có'}», cần là {wanted}: chạy lại tracker serve")
    return str(me.get("account_name") or me.get("display_name") or me.get("id") or "bot Zalo"), problems


PLUGIN = ChannelPlugin(name="zalo", label="Zalo", load_settings=load_settings, build=build, serve=serve,
                       check=check)
