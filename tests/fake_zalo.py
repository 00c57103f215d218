"""A fake Zalo Bot API on 127.0.0.1 for the real ZaloChannel.

It answers POST /bot<token>/<method> with JSON as the platform documents: getMe, getUpdates (one queued event
per answer, waiting up to its `timeout`, 408 when none came, refused while a webhook is set), sendMessage
(recording chat_id and text, refusing a text over 2000 characters), sendChatAction, setWebhook (a secret of 8
to 256 characters), deleteWebhook and getWebhookInfo; another token gets 401. sendMessage goes through
tests/fake_channel.py's failure machinery (`fail_next`, `fail_chat`, `fail_text`: 429 with retry_after, 500,
403 blocked, 400 chat not found, a hang until `release()`); `fail_updates` makes getUpdates answer 500."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_channel import DROPPED, Failure, FakeChatServer, JsonHandler, failure_reply

from bots.zalo import ZaloChannel

TOKEN = "1234567890123456789:ZaloFakeTokenForTestsOnly_abcdefghij"
BOT = {"id": "1234567890123456789", "account_name": "bot.PhuongMau", "account_type": "BASIC",
       "can_join_groups": False}
TEXT_LIMIT = 2000
Answer = tuple[int, dict[str, Any]] | None


@dataclass(frozen=True)
class Sent:
    chat_id: str
    text: str
    message_id: str


class FakeZaloServer(FakeChatServer):
    """Run with `with FakeZaloServer() as server:`; give the client `server.url` as its API base URL.
    `messages` holds what chats received, `calls` every (method, fields) understood, in order."""

    def __init__(self, timer: Callable[[], float] = time.monotonic, token: str = TOKEN, slowness: float = 0.0) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: list[Sent] = []
        self.actions: list[tuple[str, str]] = []
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
        self._events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._failing_updates = 0
        self._arrived = threading.Condition()
        super().__init__(timer=timer, slowness=slowness)

    def __exit__(self, *exc: object) -> None:
        with self._arrived:
            self._closing.set()
            self._arrived.notify_all()
        super().__exit__(*exc)

    def push_event(self, event: dict[str, Any]) -> None:
        """Queue `event` ({"event_name", "message"}) for getUpdates."""
        with self._arrived:
            self._events.append(event)
            self._arrived.notify_all()

    def event(self, chat_id: str, text: str | None = None, *, name: str = "message.text.received",
              message_id: str | None = None, **content: Any) -> dict[str, Any]:
        """An event as Zalo sends it from the person `chat_id` in a private chat (not queued)."""
        message = {"from": {"id": chat_id, "display_name": "Người Dùng", "is_bot": False},
                   "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                   "message_id": message_id or f"m{next(self._ids):06d}", "date": int(time.time() * 1000),
                   **({"text": text} if text is not None else {}), **content}
        return {"event_name": name, "message": message}

    def push_text(self, chat_id: str, text: str, **options: Any) -> dict[str, Any]:
        """Queue a text from `chat_id`; returns the event."""
        event = self.event(chat_id, text, **options)
        self.push_event(event)
        return event

    def fail_updates(self, count: int) -> None:
        """Answer the next `count` getUpdates calls with 500."""
        with self._lock:
            self._failing_updates += count

    def methods_called(self) -> list[str]:
        with self._lock:
            return [method for method, _ in self.calls]

    def texts_to(self, chat_id: str) -> list[str]:
        """The texts chat `chat_id` received, in order."""
        with self._lock:
            return [m.text for m in self.messages if m.chat_id == chat_id]

    def pending_events(self) -> int:
        with self._lock:
            return len(self._events)

    def handle(self, method: str, fields: dict[str, Any]) -> Answer:
        """The answer to one Bot API call (None: drop the connection)."""
        with self._lock:
            self.calls.append((method, fields))
        handler = {"getMe": lambda _: _ok(BOT), "getUpdates": self._get_updates, "sendMessage": self._send_message,
                   "sendChatAction": self._send_chat_action, "setWebhook": self._set_webhook,
                   "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._webhook_info}.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return handler(fields)

    def _send_message(self, fields: dict[str, Any]) -> Answer:
        chat_id, text = str(fields.get("chat_id", "")), str(fields.get("text", ""))
        if not 1 <= len(text) <= TEXT_LIMIT:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: text must be between 1 and 2000 characters"}
        failure = self.outcome(chat_id, text)
        if failure is not None:
            return None if failure == DROPPED else failure_reply(failure)  # type: ignore[arg-type]
        message_id = f"s{next(self._ids):06d}"
        with self._lock:
            self.messages.append(Sent(chat_id, text, message_id))
        return _ok({"message_id": message_id, "date": int(time.time() * 1000)})

    def _send_chat_action(self, fields: dict[str, Any]) -> Answer:
        with self._lock:
            self.actions.append((str(fields.get("chat_id", "")), str(fields.get("action", ""))))
        return 200, {"ok": True}

    def _get_updates(self, fields: dict[str, Any]) -> Answer:
        with self._lock:
            if self.webhook["url"]:
                return 409, {"ok": False, "error_code": 409, "description": "Conflict: webhook is active"}
            if self._failing_updates:
                self._failing_updates -= 1
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        deadline = time.monotonic() + float(fields.get("timeout") or 30)
        with self._arrived:
            while not self._events and not self._closing.is_set() and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            if not self._events:
                return 408, {"ok": False, "error_code": 408, "description": "Request timeout"}
            return _ok(self._events.pop(0))

    def _set_webhook(self, fields: dict[str, Any]) -> Answer:
        secret = str(fields.get("secret_token") or "")
        if not str(fields.get("url", "")).startswith("https://") or not 8 <= len(secret) <= 256:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid url or secret_token"}
        with self._lock:
            self.webhook = {"url": fields["url"], "secret_token": secret}
        return _ok({"url": fields["url"], "updated_at": int(time.time() * 1000)})

    def _delete_webhook(self, fields: dict[str, Any]) -> Answer:
        with self._lock:
            self.webhook = {"url": "", "secret_token": None}
        return _ok({"url": "", "updated_at": int(time.time() * 1000)})

    def _webhook_info(self, fields: dict[str, Any]) -> Answer:
        with self._lock:
            return _ok({"url": self.webhook["url"], "updated_at": int(time.time() * 1000)})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _handler(server: FakeZaloServer) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):

        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            prefix = f"/bot{server.token}/"
            if not self.path.startswith(prefix):
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            try:
                fields = json.loads(body or b"{}")
            except ValueError:
                fields = None
            if not isinstance(fields, dict):
                self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"})
                return
            answer = server.handle(self.path[len(prefix):], fields)
            if answer is None:
                self.close_connection = True
                return
            self._reply(*answer)


    return Handler


def channel_for(server: FakeZaloServer, token: str = TOKEN, timeout: float = 30.0) -> ZaloChannel:
    """The real Zalo channel pointed at `server`. The timeout is generous, since a busy machine may answer
    slowly; the tests of a hanging server pass a short one."""
    return ZaloChannel(token, api_base_url=server.url, timeout=timeout)


__all__ = ["BOT", "TOKEN", "Failure", "FakeZaloServer", "Sent", "channel_for"]
