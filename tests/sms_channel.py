"""A third channel that exists only in the tests, plugged in as a new channel of the project would be: this
one module, and one line in bots.channels.PLUGINS. It "sends" an SMS by keeping it in memory, and a number
listed in SMS_BLOCKED refuses messages for good, as a phone that blocked the ward's sender would."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from bots.channels import Buttons, ChannelError
from bots.plugin import ChannelPlugin


@dataclass(frozen=True)
class SmsSettings:
    """SMS_GATEWAY switches the channel on; SMS_BLOCKED lists numbers that refuse messages."""

    gateway: str = ""
    blocked: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.gateway)

    @property
    def webhook_url(self) -> str | None:
        return None  # the gateway is only sent to

    @property
    def webhook_listener(self) -> str | None:
        return None


@dataclass
class SmsChannel:
    settings: SmsSettings
    name: str = "sms"
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        if external_id in self.settings.blocked:
            raise ChannelError("số điện thoại đã chặn tin nhắn", retryable=False, unreachable=True)
        self.sent.append((external_id, text))


def load_settings() -> SmsSettings:
    blocked = tuple(n for n in os.environ.get("SMS_BLOCKED", "").split(",") if n)
    return SmsSettings(gateway=os.environ.get("SMS_GATEWAY", ""), blocked=blocked)


PLUGIN = ChannelPlugin(name="sms", label="SMS", load_settings=load_settings, build=SmsChannel)
