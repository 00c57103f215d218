"""The chat webhooks as ASGI endpoints: one per bot, reached at the path of its public URL, served by the
same uvicorn server as the web console (or by one of their own, see app/listeners.py).

Why not python-telegram-bot's own webhook server: it needs tornado, a second HTTP stack used for nothing
else, compares the secret with `!=` and acknowledges an update before it is handled. Here the secret is
compared in constant time, the body is bounded in size and in time, and the answer waits until the update
is handled, so that the platform delivers it again after a failure (500)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("bots.webhook")

SECRET_HEADER = b"x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000  # bytes; an update is a few kilobytes (a file is sent as a file_id, not its bytes)
BODY_TIMEOUT = 30.0  # seconds for a whole body to arrive, however slowly its bytes trickle in

Handler = Callable[[bytes], Awaitable[int]]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request's body is longer than the endpoint accepts."""


class WebhookEndpoint:
    """Answers one bot's posts: a request whose `secret_header` (by default Telegram's
    X-Telegram-Bot-Api-Secret-Token) is not `secret` gets 403 and never reaches `handle`; a method other than
    POST gets 405; a body over `max_body` bytes 413; a body that does not arrive whole within `timeout`
    seconds 408. An authenticated body goes to `handle`, whose status (200, or 500 to be delivered again,
    400 for a body that is not an update) is the answer; a handler that raises gives 500."""

    def __init__(self, secret: str, handle: Handler, *, secret_header: bytes = SECRET_HEADER,
                 platform: str = "Telegram", max_body: int = MAX_BODY, timeout: float = BODY_TIMEOUT) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._secret = secret.encode()
        # Zalo's webhook sends its own header (X-Bot-Api-Secret-Token); ASGI servers lowercase names.
        self.secret_header = secret_header.lower()
        self.platform = platform
        self._handle = handle
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, await self._status(scope, receive))

    async def _status(self, scope: Scope, receive: Receive) -> int:
        if scope["method"] != "POST":
            return 405
        headers = dict(scope["headers"])
        if not hmac.compare_digest(headers.get(self.secret_header, b""), self._secret):
            log.warning("Webhook %s: từ chối một yêu cầu không có đúng mã bí mật (403).", self.platform)
            return 403
        length = headers.get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body:
            return 413
        try:
            async with asyncio.timeout(self.timeout):
                body = await read_body(receive, self.max_body)
        except BodyTooLarge:
            return 413
        except TimeoutError:
            return 408
        if body is None:
            return 400  # the client went away before its body ended: nobody reads the answer
        try:
            return await self._handle(body)
        except Exception as exc:
            log.error("Webhook %s: lỗi khi xử lý cập nhật: %s", self.platform, type(exc).__name__)
            return 500


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's whole body, or None when the client disconnected first. Raises BodyTooLarge past
    `limit` bytes, without reading the rest."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(send: Send, status: int) -> None:
    """An empty answer with `status`."""
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


class WebhookRoutes:
    """The webhooks the running service answers, by path. A bot adds its endpoint when it starts
    receiving through its webhook and removes it when it stops; the HTTP listeners hold this object from
    start-up, so the bots can come and go while they serve. As an ASGI app it answers the paths added and
    gives 404 to the rest; `in_front_of(app)` hands the rest to `app` (the web console)."""

    def __init__(self) -> None:
        self._endpoints: dict[str, ASGIApp] = {}

    def add(self, url: str, endpoint: ASGIApp) -> str:
        """Serve `endpoint` at `url`'s path; returns that path. Raises ValueError when the path is taken."""
        path = urlsplit(url).path or "/"
        if path in self._endpoints:
            raise ValueError(f"two webhooks on {path}")
        self._endpoints[path] = endpoint
        return path

    def remove(self, path: str) -> None:
        """Stop serving `path` (a request to it then goes where other unknown paths go)."""
        self._endpoints.pop(path, None)

    @contextlib.contextmanager
    def serving(self, url: str, endpoint: ASGIApp) -> Iterator[str]:
        """`add` for the time of the `with` block; yields the path."""
        path = self.add(url, endpoint)
        try:
            yield path
        finally:
            self.remove(path)

    @property
    def paths(self) -> list[str]:
        """The paths served now."""
        return sorted(self._endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoints.get(scope.get("path", "")) if scope["type"] == "http" else None
        if endpoint is None:
            await respond(send, 404)
            return
        await endpoint(scope, receive, send)

    def in_front_of(self, app: ASGIApp) -> ASGIApp:
        """An ASGI app that sends the webhooks' paths to their endpoints and everything else to `app`."""

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope.get("path", "") in self._endpoints:
                await self(scope, receive, send)
            else:
                await app(scope, receive, send)

        return dispatch
