"""An HTTP listener inside `tracker serve`'s event loop: uvicorn serving one ASGI app (the web console with
the chat webhooks in front of it, or the webhooks alone on an address of their own) on an address bound at
start-up, with every request bounded in time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
from collections.abc import Iterator
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tracker.errors import ConfigError

HEAD_TIMEOUT = 30.0  # seconds for a request's line and headers to arrive (or the next one on a kept-alive link)
BODY_TIMEOUT = 300.0  # seconds for its body: a 20 MB upload over a slow ward link
MAX_HEAD = 16_384  # bytes of request line and headers
MAX_CONNECTIONS = 200  # handled at once; a request beyond gets 503 (a reverse proxy in front keeps a handful)


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's arrival.

    Why: uvicorn bounds only the wait between requests, and any byte received cancels that timer, so a client
    trickling its head or body a byte at a time held a connection (and a place under limit_concurrency) for
    ever. Here the head must arrive whole within `head_timeout` seconds of the connection (or of the previous
    answer), and the body within `body_timeout` seconds of the head; past that the connection is closed and
    the application sees the client gone."""

    def __init__(self, *args: Any, head_timeout: float = HEAD_TIMEOUT, body_timeout: float = BODY_TIMEOUT,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timeouts = {h11.IDLE: head_timeout, h11.SEND_BODY: body_timeout}
        self._waiting_for: object = None  # the h11 state whose deadline runs
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[arg-type]
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        # The deadline follows what the client owes: a head (IDLE), a body (SEND_BODY), or nothing (the request
        # is in; the application's time is not the client's).
        state = self.conn.their_state
        waiting_for = state if state in self._timeouts else None
        if waiting_for is self._waiting_for:
            return
        self._waiting_for = waiting_for
        self._disarm()
        if waiting_for is not None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(self._timeouts[waiting_for], self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class _InLoopServer(uvicorn.Server):
    # The service owns SIGTERM and SIGINT and stops the listeners itself (should_exit).
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listen_address(listen: str) -> tuple[str, int]:
    """("127.0.0.1", 8080) from "127.0.0.1:8080" (brackets around an IPv6 host)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


class HttpListener:
    """`app` served on `listen` ("host:port"); X-Forwarded-For and -Proto are believed only from
    `trusted_proxies` (comma-separated addresses). `name` says what it is in the one line a failed bind
    gives, and `hint` what to change then."""

    def __init__(self, app: Any, listen: str, *, trusted_proxies: str = "", name: str = "Trang quản lý",
                 hint: str = "hãy đổi TRACKER_WEB_LISTEN hoặc tắt bằng TRACKER_WEB_LISTEN=off",
                 head_timeout: float = HEAD_TIMEOUT, body_timeout: float = BODY_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.host, self.port = listen_address(listen)
        self.name, self.hint = name, hint
        proxies = trusted_proxies.strip()
        protocol = functools.partial(DeadlineH11Protocol, head_timeout=head_timeout, body_timeout=body_timeout)
        config = uvicorn.Config(app, http=protocol, log_config=None, access_log=False, lifespan="off",  # type: ignore[arg-type]
                                server_header=False, proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                                timeout_keep_alive=int(head_timeout), limit_concurrency=max_connections,
                                h11_max_incomplete_event_size=MAX_HEAD)
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
            raise ConfigError(f"{self.name} không mở được ở {self.host}:{self.port} ({exc.strerror}); "
                              f"{self.hint}.") from exc
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]

    def close(self) -> None:
        """Give the address back without serving (a later listener could not start)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

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
