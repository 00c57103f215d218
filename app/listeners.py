"""Which HTTP listeners `tracker serve` opens: the web console on TRACKER_WEB_LISTEN, with the chat webhooks
in front of it, and a listener of its own for each webhook whose <PREFIX>WEBHOOK_LISTEN names another address
(to expose only the webhook to the reverse proxy that Telegram or Zalo posts through)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bots.ward_bots import bot_label, split_bot_name
from tracker.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from app.web.listener import HttpListener
    from bots.plugin import ChannelSettings
    from bots.webhook_endpoint import WebhookRoutes
    from tracker.clock import Clock
    from tracker.config import Settings


@dataclass
class Listeners:
    """The listeners to serve, their addresses already taken, and the lines that tell where each is."""

    servers: list[HttpListener] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def http_listeners(engine: Engine, clock: Clock, settings: Settings, chats: Mapping[str, ChannelSettings],
                   webhooks: WebhookRoutes) -> Listeners:
    """The console (unless TRACKER_WEB_LISTEN is "off") serving `webhooks` in front of its pages, and one
    listener serving `webhooks` alone per other address named by a chat channel in `chats`. Raises
    ConfigError when an address cannot be listened on, or when a webhook has nowhere to be served (the
    console off and its <PREFIX>WEBHOOK_LISTEN empty)."""
    from app.web.listener import HttpListener

    found = Listeners()
    wanted = {name: s.webhook_listener for name, s in chats.items() if s.enabled and s.webhook_listener is not None}
    console_address = "" if settings.web_listen == "off" else settings.web_listen
    if console_address:
        from app.web.server import create_app

        console = HttpListener(webhooks.in_front_of(create_app(engine, clock, base_url=settings.web_base_url)),
                               console_address, trusted_proxies=settings.web_trusted_proxies)
        _bind(found, console, "Trang quản lý: {address} (đăng nhập bằng mã gửi qua Telegram/Zalo hoặc mật khẩu).")
    own: dict[str, HttpListener] = {}
    for name, address in wanted.items():
        label = bot_label(name)
        if address in ("", console_address):
            if not console_address:
                raise ConfigError(f"Webhook {label} cần một cổng: đặt {_env(name)}_WEBHOOK_LISTEN (ví dụ "
                                  "127.0.0.1:8443) hoặc bật trang quản lý (TRACKER_WEB_LISTEN).")
            found.lines.append(f"Webhook {label}: nhận ở cổng của trang quản lý, {_path(chats[name])}.")
            continue
        if address not in own:
            own[address] = HttpListener(webhooks, address, name=f"Webhook {label}",
                                        hint=f"hãy đổi {_env(name)}_WEBHOOK_LISTEN")
            _bind(found, own[address], f"Webhook {label}: nghe tại {{address}}, {_path(chats[name])}.")
        else:
            found.lines.append(f"Webhook {label}: nghe tại {own[address].address}, {_path(chats[name])}.")
    return found


def _bind(found: Listeners, listener: HttpListener, line: str) -> None:
    try:
        listener.bind()
    except ConfigError:
        for server in found.servers:
            server.close()
        raise
    found.servers.append(listener)
    found.lines.append(line.format(address=listener.address))


def _env(bot: str) -> str:
    # A ward's own bot shares its channel's webhook listener.
    return split_bot_name(bot)[0].upper()


def _path(settings: ChannelSettings) -> str:
    return f"đường dẫn {urlsplit(settings.webhook_url or '').path or '/'}"
