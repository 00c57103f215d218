"""The web console's ASGI application and the uvicorn server that runs it inside `tracker serve`'s loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from app.web import admin_pages, document_pages, pages, people_pages, report_pages, sign_in_pages, task_actions
from app.web.visit import WebContext
from tracker.clock import Clock
from tracker.errors import ConfigError

log = logging.getLogger("tracker.web")
STATIC = Path(__file__).resolve().parent / "static"
# Each page module lists its routes in ROUTES; a new page is a module and a line here.
PAGE_MODULES = (pages, task_actions, sign_in_pages, people_pages, document_pages, report_pages, admin_pages)


def create_app(engine: Engine, clock: Clock, *, base_url: str = "") -> Starlette:
    """The console's routes over `engine`, with times from `clock`; cookies are Secure when `base_url` is
    https (the console behind a TLS reverse proxy)."""
    routes = [route for module in PAGE_MODULES for route in module.ROUTES]
    app = Starlette(routes=[*routes, Mount("/static", StaticFiles(directory=STATIC), name="static")])
    app.state.web = WebContext(engine=engine, clock=clock, secure_cookies=base_url.startswith("https://"))
    return app


def listen_address(listen: str) -> tuple[str, int]:
    """("127.0.0.1", 8080) from "127.0.0.1:8080" (brackets around an IPv6 host)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


class _InLoopServer(uvicorn.Server):
    # The service owns SIGTERM and SIGINT and stops the console itself (should_exit).
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebConsole:
    """The console listening on `listen` ("host:port"); X-Forwarded-For and -Proto are believed only from
    `trusted_proxies` (comma-separated addresses)."""

    def __init__(self, app: Starlette, listen: str, *, trusted_proxies: str = "") -> None:
        self.host, self.port = listen_address(listen)
        proxies = trusted_proxies.strip()
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", server_header=False,
                                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                                timeout_keep_alive=30, limit_concurrency=200)
        self._server = _InLoopServer(config)
        self._socket: socket.socket | None = None

    def bind(self) -> None:
        """Take the address now, so that a port in use stops the start-up with one line. Raises ConfigError."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and without it
        # every response waited ~40 ms for the browser's delayed ACK (Nagle).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise ConfigError(f"Trang quản lý không mở được ở {self.host}:{self.port} ({exc.strerror}); hãy đổi "
                              "TRACKER_WEB_LISTEN hoặc tắt bằng TRACKER_WEB_LISTEN=off.") from exc
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]

    @property
    def address(self) -> str:
        """The address to open in a browser."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else host
        return f"http://{shown}:{self.port}/"

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set, then finish the requests in progress and return."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        self._server.should_exit = True
        stopping.cancel()
        await serving
