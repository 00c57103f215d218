"""The chat webhooks' HTTP endpoint (Telegram's, and Zalo's on the same server): one POST route per bot that checks
the secret header and hands the body to its adapter (bots/telegram_inbound.py, bots/zalo_inbound.py).

Why h11 on asyncio streams rather than a web framework: the endpoint is one route on a port behind the
ward's reverse proxy (Telegram posts only over HTTPS, so TLS ends at the proxy). python-telegram-bot's own
webhook server needs tornado, a second HTTP stack used for nothing else, compares the secret with `!=`
and acknowledges an update before it is handled. h11 (the HTTP/1.1 parser under httpx, already installed)
does the parsing strictly; this module only routes, checks the secret in constant time, bounds sizes and
waits, and answers only once the update is handled, so that Telegram delivers it again after a failure."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from urllib.parse import urlsplit

import h11

log = logging.getLogger("bots.telegram")

SECRET_HEADER = b"x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000  # bytes; an update is a few kilobytes (a file is sent as a file_id, not its bytes)
MAX_HEAD = 16_384  # bytes of request line and headers
READ_TIMEOUT = 30.0  # seconds for a whole request to arrive (head and body), or for a kept-alive connection's next
MAX_CONNECTIONS = 200  # open at once; more get 503 at once (a proxy in front keeps a handful)
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

LINGER_SECONDS = 2.0  # after an early answer, how long unread request bytes are drained before closing
LINGER_BYTES = 4 * MAX_BODY

Handler = Callable[[bytes], Awaitable[int]]


class WebhookServer:
    """Serves POST `url`'s path: a request whose `secret_header` (by default Telegram's
    X-Telegram-Bot-Api-Secret-Token) is not `secret` gets 403 and never reaches `handle`; a body over
    `max_body` gets 413; another path 404, another method 405. A request must arrive whole (head and body)
    within `timeout` seconds, however slowly its bytes trickle in; beyond `max_connections` open at once, a
    new connection gets 503 and is closed.
    An authenticated body goes to `handle`, whose status (200, or 500 to be delivered again) is the
    answer. Use `async with`, then `await start(host, port)`; closing cancels the requests in progress."""

    def __init__(self, url: str, secret: str, handle: Handler, *, max_body: int = MAX_BODY,
                 timeout: float = READ_TIMEOUT, secret_header: bytes = SECRET_HEADER,
                 platform: str = "Telegram", max_connections: int = MAX_CONNECTIONS) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.path = (urlsplit(url).path or "/").encode()
        self._secret = secret.encode()
        # Zalo's webhook reuses this endpoint with its own header (X-Bot-Api-Secret-Token); h11 lowercases names.
        self.secret_header = secret_header.lower()
        self.platform = platform
        self._handle = handle
        self.max_body = max_body
        self.timeout = timeout
        self.max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> WebhookServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0: a free one, see `port`). Raises OSError when it cannot."""
        self._server = await asyncio.start_server(self._serve, host, port)

    @property
    def port(self) -> int:
        """The port listened on. Only after `start`."""
        if self._server is None:
            raise RuntimeError("the webhook server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        """How many connections the server holds now."""
        return len(self._connections)

    async def aclose(self) -> None:
        """Stop listening and end the open connections. Safe to call more than once."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.max_connections:
            with contextlib.suppress(ConnectionError, OSError):
                writer.write(_BUSY)
                await writer.drain()
                writer.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        try:
            await self._converse(connection, reader, writer)
        except h11.RemoteProtocolError as exc:
            with contextlib.suppress(h11.LocalProtocolError, ConnectionError):
                await self._respond(connection, writer, exc.error_status_hint)
        except (ConnectionError, TimeoutError):
            pass  # the client went away or stalled: nothing to answer
        finally:
            if task is not None:
                self._connections.discard(task)
            if connection.their_state in (h11.SEND_BODY, h11.ERROR) and not reader.at_eof():
                await self._linger(reader, writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Closing a socket with unread request bytes makes the kernel reset the connection, and the client
        # may then lose the answer (a 403, a 413) it was sent. Like a web server's lingering close: say we
        # are done, then read and drop what the client still sends, for a bounded time and size.
        with contextlib.suppress(ConnectionError, TimeoutError, OSError):
            if writer.can_write_eof():
                writer.write_eof()
            async with asyncio.timeout(LINGER_SECONDS):
                dropped = 0
                while dropped < LINGER_BYTES and (chunk := await reader.read(65_536)):
                    dropped += len(chunk)

    async def _converse(self, connection: h11.Connection, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        while True:
            deadline = asyncio.get_running_loop().time() + self.timeout
            event = await self._next_event(connection, reader, deadline)
            if not isinstance(event, h11.Request):
                return
            status = await self._answer(connection, reader, event, deadline)
            await self._respond(connection, writer, status)
            if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                return
            connection.start_next_cycle()

    async def _answer(self, connection: h11.Connection, reader: asyncio.StreamReader, request: h11.Request,
                      deadline: float) -> int:
        if request.target.split(b"?", 1)[0] != self.path:
            return 404
        if request.method != b"POST":
            return 405
        headers = dict(request.headers)
        if not hmac.compare_digest(headers.get(self.secret_header, b""), self._secret):
            log.warning("Webhook %s: từ chối một yêu cầu không có đúng mã bí mật (403).", self.platform)
            return 403
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body:
            return 413
        body = await self._body(connection, reader, deadline)
        if body is None:
            return 413
        try:
            return await self._handle(body)
        except Exception as exc:
            log.error("Webhook %s: lỗi khi xử lý cập nhật: %s", self.platform, type(exc).__name__)
            return 500

    async def _body(self, connection: h11.Connection, reader: asyncio.StreamReader, deadline: float) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event(connection, reader, deadline)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > self.max_body:
                    return None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise ConnectionError("the request ended before its body")

    async def _next_event(self, connection: h11.Connection, reader: asyncio.StreamReader, deadline: float) -> object:
        # One deadline for the whole request: a wait per read would let one byte every few seconds keep
        # a connection for ever.
        while True:
            event = connection.next_event()
            if event is not h11.NEED_DATA:
                return event
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError
            connection.receive_data(await asyncio.wait_for(reader.read(65_536), left))

    async def _respond(self, connection: h11.Connection, writer: asyncio.StreamWriter, status: int) -> None:
        # A request whose body was not read cannot be followed by another on the same connection.
        headers = [(b"content-length", b"0")]
        if connection.their_state is not h11.DONE:
            headers.append((b"connection", b"close"))
        data = connection.send(h11.Response(status_code=status, headers=headers,
                                            reason=HTTPStatus(status).phrase.encode()))
        data = (data or b"") + (connection.send(h11.EndOfMessage()) or b"")
        writer.write(data)
        await writer.drain()
