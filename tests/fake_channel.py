"""A fake chat API on 127.0.0.1 for the sender's tests and benchmark, and the HTTP Channel that talks to it.

The server speaks the shape of Telegram's Bot API (POST /bot<token>/sendMessage with chat_id and text,
answers {"ok": ...} with error_code, description and parameters.retry_after), records every request and
every delivery, and can be told to answer 429, 500, 403 (blocked), 400 (chat not found, bad request, a group
that moved to a supergroup), to hang, or to be slow: for given chats, for texts containing a fragment, or for
the next N requests. tests/fake_telegram.py builds the full Bot API for the real client on this machinery."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bots.channels import Buttons, ChannelError

TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijklmnop"


@dataclass(frozen=True)
class Failure:
    """How the server answers instead of delivering. kind: rate_limited, server_error, blocked,
    chat_not_found, bad_request, migrated (the group became the supergroup `migrate_to_chat_id`), hang
    (hold the request until `release()`; then deliver it)."""

    kind: str
    retry_after: int = 1
    migrate_to_chat_id: int = -1001234567890


RATE_LIMITED = Failure("rate_limited", retry_after=5)
SERVER_ERROR = Failure("server_error")
BLOCKED = Failure("blocked")
CHAT_NOT_FOUND = Failure("chat_not_found")
BAD_REQUEST = Failure("bad_request")
HANG = Failure("hang")
MIGRATED = Failure("migrated")
DROPPED = "dropped"

_ANSWERS = {
    "rate_limited": (429, "Too Many Requests: retry after {retry_after}"),
    "server_error": (500, "Internal Server Error"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "bad_request": (400, "Bad Request: message is too long"),
    "migrated": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
}


@dataclass(frozen=True)
class Request:
    chat_id: str
    text: str
    at: float
    answer: str  # "ok", a Failure kind, or "dropped" (a hung request the server gave up on)


class FakeChatServer:
    """Run with `with FakeChatServer() as server:`; `server.url` is the base URL. `timer` stamps every
    request (time.monotonic by default; tests pass their fixed clock's reading)."""

    def __init__(self, timer: Callable[[], float] = time.monotonic, slowness: float = 0.0) -> None:
        self.timer = timer
        self.slowness = slowness
        self.requests: list[Request] = []
        self.hanging = threading.Event()  # set when a request starts hanging
        self._released = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._next: list[Failure] = []
        self._by_chat: dict[str, Failure] = {}
        self._by_text: list[tuple[str, Failure]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-chat-server",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int, failure: Failure) -> None:
        """Answer the next `count` requests (whatever the chat) with `failure`."""
        with self._lock:
            self._next.extend([failure] * count)

    def fail_chat(self, chat_id: str, failure: Failure | None) -> None:
        """Answer every request to `chat_id` with `failure` (None: deliver again)."""
        with self._lock:
            if failure is None:
                self._by_chat.pop(chat_id, None)
            else:
                self._by_chat[chat_id] = failure

    def fail_text(self, fragment: str, failure: Failure) -> None:
        """Answer every request whose text contains `fragment` with `failure`."""
        with self._lock:
            self._by_text.append((fragment, failure))

    def release(self) -> None:
        """Let hung requests (and later ones that would hang) through: they are delivered."""
        self._released.set()

    @property
    def deliveries(self) -> list[Request]:
        """The requests the server accepted, in order: what the chats received."""
        with self._lock:
            return [r for r in self.requests if r.answer == "ok"]

    def texts(self) -> list[str]:
        return [r.text for r in self.deliveries]

    def _failure_for(self, chat_id: str, text: str) -> Failure | None:
        with self._lock:
            if self._next:
                return self._next.pop(0)
            if chat_id in self._by_chat:
                return self._by_chat[chat_id]
            return next((f for fragment, f in self._by_text if fragment in text), None)

    def _record(self, chat_id: str, text: str, answer: str) -> None:
        with self._lock:
            self.requests.append(Request(chat_id, text, self.timer(), answer))

    def answer(self, chat_id: str, text: str) -> tuple[int, dict[str, Any]] | None:
        """What to reply to one sendMessage; None means drop the connection without a reply."""
        failure = self.outcome(chat_id, text)
        if failure == DROPPED:
            return None
        if failure is None:
            return 200, {"ok": True, "result": {"message_id": len(self.requests), "chat": {"id": chat_id},
                                                "text": text}}
        assert isinstance(failure, Failure)
        return failure_reply(failure)

    def outcome(self, chat_id: str, text: str) -> Failure | str | None:
        """Decide and record how one request to `chat_id` is answered: None (delivered), the Failure to
        answer with, or DROPPED (it hung until the server closed). Waits while the request hangs."""
        if self.slowness:
            time.sleep(self.slowness)
        failure = self._failure_for(chat_id, text)
        if failure is not None and failure.kind == "hang":
            self.hanging.set()
            while not self._released.wait(0.05):
                if self._closing.is_set():
                    self._record(chat_id, text, DROPPED)
                    return DROPPED
            failure = None
        self._record(chat_id, text, "ok" if failure is None else failure.kind)
        return failure

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def failure_reply(failure: Failure) -> tuple[int, dict[str, Any]]:
    """The status and Bot API body that answer with `failure` (not for hang)."""
    status, description = _ANSWERS[failure.kind]
    body: dict[str, Any] = {"ok": False, "error_code": status,
                            "description": description.format(retry_after=failure.retry_after)}
    if failure.kind == "rate_limited":
        body["parameters"] = {"retry_after": failure.retry_after}
    if failure.kind == "migrated":
        body["parameters"] = {"migrate_to_chat_id": failure.migrate_to_chat_id}
    return status, body


class JsonHandler(BaseHTTPRequestHandler):
    """What every fake API's request handler shares: keep-alive as a real API offers it, no Nagle delay
    between the headers and the body, JSON (or raw bytes) answers, and no access log."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _reply(self, status: int, body: dict[str, Any] | bytes) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        kind = "application/octet-stream" if isinstance(body, bytes) else "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client died or gave up (its timeout); what matters is what was recorded

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _handler(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):

        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            if self.path != f"/bot{TOKEN}/sendMessage":
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            answer = server.answer(str(payload.get("chat_id", "")), str(payload.get("text", "")))
            if answer is not None:
                self._reply(*answer)


    return Handler


class FakeApiChannel:
    """A Channel over the fake server, mapping answers to ChannelError the way a real adapter does:
    429 → retryable with retry_after; 5xx, timeouts and network errors → retryable; 403 (blocked) and
    400 "chat not found" → unreachable; another 400 → permanent for this message; 401 (a wrong token)
    → retryable, since it is the configuration's fault, not the message's."""

    def __init__(self, base_url: str, *, name: str = "telegram", timeout: float = 5.0, token: str = TOKEN) -> None:
        self.name = name
        self._url = f"{base_url}/bot{token}/sendMessage"
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(self, external_id: str, text: str, buttons: Buttons = ()) -> None:
        """Send `text` to chat `external_id`; raises ChannelError unless the API answered ok. Buttons are
        not sent: the sender's tests are about delivery, not about how a message looks."""
        try:
            response = await self._http().post(self._url, json={"chat_id": external_id, "text": text})
        except httpx.TimeoutException as exc:
            raise ChannelError(f"hết thời gian chờ {self.name} trả lời", retryable=True) from exc
        except httpx.TransportError as exc:
            raise ChannelError(f"lỗi mạng khi gửi qua {self.name}: {type(exc).__name__}", retryable=True) from exc
        if response.status_code == 200:
            return
        raise _error(response)

    def _http(self) -> httpx.AsyncClient:
        # One client per event loop: tests run each scenario in its own asyncio.run().
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client, self._loop = httpx.AsyncClient(timeout=self._timeout), loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _error(response: httpx.Response) -> ChannelError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    status, description = response.status_code, str(body.get("description", response.reason_phrase))
    message = f"{status} {description}"
    if status == 429:
        retry_after = (body.get("parameters") or {}).get("retry_after")
        return ChannelError(message, retryable=True, retry_after=float(retry_after) if retry_after else None)
    if status == 403 or (status == 400 and "chat not found" in description.lower()):
        return ChannelError(message, retryable=False, unreachable=True)
    if status == 400:
        return ChannelError(message, retryable=False)
    return ChannelError(message, retryable=True)
