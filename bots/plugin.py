"""What a channel plug-in declares: one description per chat channel, listed in bots/channels.py.

The description is light on purpose: the command line imports the list to know the channels' names and
labels, and must not pay for a chat library it never uses; the loaders below import their channel's
modules only when called."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bots.channels import Channel
    from bots.poll_lease import PollLeases
    from bots.shared_pace import Limiter
    from bots.webhook_endpoint import WebhookRoutes
    from tracker.clock import Clock


class ChannelSettings(Protocol):
    """A channel's typed settings (bots.bot_settings.BotSettings for the chat platforms): whether the channel
    is switched on, and its webhook: the public URL the platform posts to (None: no webhook, long polling
    or no inbound side) and where it is served (None without a webhook, "" on the web console's address,
    else its own "host:port")."""

    @property
    def enabled(self) -> bool: ...

    @property
    def webhook_url(self) -> str | None: ...

    @property
    def webhook_listener(self) -> str | None: ...


@dataclass(frozen=True)
class InboundContext:
    """What the running service lends a channel's inbound side: the database, the clock, the rate limiter it
    shares with the sender (None: no limit), the webhooks its HTTP listeners serve (None: none run), and
    the poll leases that let one process of the service poll each bot (None: this process polls), and the
    ward whose own bot this is (its key; None: the deployment's bot, bots.ward_bots)."""

    engine: Engine
    clock: Clock
    limiter: Limiter | None = None
    webhooks: WebhookRoutes | None = None
    poll_leases: PollLeases | None = None
    ward: str | None = None


@dataclass(frozen=True)
class ChannelPlugin:
    """One chat channel as the service plugs it in.

    `name` is what bindings and outbox rows store ("zalo"), `label` what people read ("Zalo").
    `load_settings()` reads the channel's settings from the environment and raises ConfigError (one
    Vietnamese line, no secret in it) when a value is wrong; `build(settings)` makes the sender's Channel;
    `serve(channel, settings, context)`, when the channel receives messages, answers them through the
    dialog until cancelled. `check(settings)`, for `tracker doctor`, asks the platform who the bot is and
    whether its inbound side is set up as the settings say: it returns the bot's name and the problems
    found (none: healthy), and raises ChannelError when the platform cannot be reached or refuses the token."""

    name: str
    label: str
    load_settings: Callable[[], ChannelSettings]
    build: Callable[[Any], Channel]
    serve: Callable[[Any, Any, InboundContext], Awaitable[None]] | None = None
    check: Callable[[Any], Awaitable[tuple[str, list[str]]]] | None = None
