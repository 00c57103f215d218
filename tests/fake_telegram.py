"""A fake Telegram Bot API on 127.0.0.1 for the real python-telegram-bot client.

It reads requests the way the real API does (JSON, form-encoded or multipart bodies; /bot<token>/<method>),
answers getMe, sendMessage, sendDocument, editMessageText, sendChatAction, answerCallbackQuery, getFile (and
serves the file at /file/bot<token>/<path>), getUpdates, setWebhook, deleteWebhook and getWebhookInfo, records
what the bot sent, and queues the updates a test pushes (`push_message`, `push_document`, `push_button`, `push_update`).
`fail_updates` makes the next getUpdates calls answer 500; a getUpdates still waiting when another arrives is
ended with 409 Conflict, as Telegram ends it, and counted in `conflicts`. sendMessage and sendDocument go through
tests/fake_channel.py's failure machinery: `fail_next`, `fail_chat`, `fail_text` (429 with retry_after, 500,
403 blocked, 400 chat not found, 400 bad request, 400 with migrate_to_chat_id, a hang until `release()` or the
server closes).
`channel_for` and `send` drive the real TelegramChannel against it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote

from fake_channel import DROPPED, TOKEN, Failure, FakeChatServer, JsonHandler, failure_reply

from bots.telegram import TelegramChannel, Timeouts

BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Nhắc việc Phường Mẫu", "username": "phuong_mau_bot"}
USER_ID = 700000001  # the sender of pushed messages unless a test names another


@dataclass(frozen=True)
class SentMessage:
    chat_id: str
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    message_id: int


@dataclass(frozen=True)
class SentDocument:
    chat_id: str
    file_name: str
    data: bytes
    caption: str
    message_id: int


@dataclass(frozen=True)
class Call:
    """One request the server understood: the method and its fields (files as (name, bytes))."""

    method: str
    fields: dict[str, Any]


Reply = tuple[int, dict[str, Any]] | None
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
            "running")


class FakeTelegramServer(FakeChatServer):
    """Run with `with FakeTelegramServer() as server:`; give the client `server.url` as its API base URL.
    `messages` and `documents` hold what chats received, `calls` every understood request, in order."""

    def __init__(self, timer: Callable[[], float] = time.monotonic, slowness: float = 0.0,
                 token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: list[SentMessage] = []
        self.documents: list[SentDocument] = []
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id: (file_path, content)
        self._failing_updates = 0
        self._poll = 0  # which getUpdates is the latest: a newer one ends the older with 409, as Telegram does
        self.conflicts = 0
        self._other_bots: list[FakeTelegramServer] = []
        self.callback_answers: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        super().__init__(timer=timer, slowness=slowness)

    def __exit__(self, *exc: object) -> None:
        with self._arrived:
            self._closing.set()
            self._arrived.notify_all()
        super().__exit__(*exc)

    def add_bot(self, other: FakeTelegramServer) -> None:
        """Answer `other`'s token at this server's address too, as Telegram answers every bot at one address:
        what is sent with that token is recorded in `other`, and `other`'s updates are read with it."""
        self._other_bots.append(other)

    def bots(self) -> list[FakeTelegramServer]:
        """This server's bot and those added with `add_bot`."""
        return [self, *self._other_bots]

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue `update` (without update_id) for getUpdates; returns the update_id it was given."""
        with self._arrived:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": update_id, **update})
            self._arrived.notify_all()
        return update_id

    def push_message(self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private",
                     reply_to: dict[str, Any] | None = None, **content: Any) -> int:
        """Queue a text message from the user `user_id` (default: the chat itself) in a chat of `chat_type`;
        `reply_to` is the message it answers (see `bot_message`), `content` replaces or adds fields (a
        sticker instead of the text: `text=None, sticker={...}`). Returns the update_id."""
        message = self.user_message(chat_id, text, user_id=user_id, chat_type=chat_type, **content)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self.push_update({"message": message})

    def user_message(self, chat_id: int, text: str | None, *, user_id: int | None = None,
                     chat_type: str = "private", **content: Any) -> dict[str, Any]:
        """A message as Telegram shows it from a person (not queued)."""
        sender = {"id": user_id or chat_id, "is_bot": False, "first_name": "Người", "last_name": "Dùng"}
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Người"} if chat_type == "private" else {"title": "Nhóm giao ban"})
        message = {"message_id": self._message_id(), "date": int(time.time()), "from": sender, "chat": chat,
                   **({"text": text} if text is not None else {}), **content}
        return {k: v for k, v in message.items() if v is not None}

    def bot_message(self, chat_id: int, text: str) -> dict[str, Any]:
        """A message the bot sent earlier (not queued), for `reply_to`."""
        return {"message_id": self._message_id(), "date": int(time.time()), "from": BOT_USER, "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "Người"}}

    def push_document(self, chat_id: int, name: str, content: bytes, *, mime_type: str = "application/pdf",
                      caption: str | None = None, declared_size: int | None = None) -> str:
        """Queue a document sent by the user `chat_id`, stored for getFile and download. `declared_size` is
        the size Telegram announces (default: the real one). Returns its file_id."""
        file_id = self.add_file(name, content)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name, "mime_type": mime_type,
                    "file_size": len(content) if declared_size is None else declared_size}
        self.push_update({"message": self.user_message(chat_id, None, document=document, caption=caption)})
        return file_id

    def add_file(self, name: str, content: bytes) -> str:
        """Store `content` for getFile and the download URL; returns its file_id."""
        with self._lock:
            file_id = f"file-{len(self._files) + 1}"
            self._files[file_id] = (f"documents/{file_id}-{name}", content)
        return file_id

    def push_button(self, chat_id: int, data: str, *, message_text: str = "Chọn việc:") -> str:
        """Queue a press on a button with callback data `data` under a bot message in chat `chat_id`.
        Returns the callback query's id."""
        with self._lock:
            query_id = f"cbq-{self._next_update_id}"
        sender = {"id": chat_id, "is_bot": False, "first_name": "Người", "last_name": "Dùng"}
        query = {"id": query_id, "from": sender, "chat_instance": "ci-1", "data": data,
                 "message": self.bot_message(chat_id, message_text)}
        self.push_update({"callback_query": query})
        return query_id

    def fail_updates(self, count: int) -> None:
        """Answer the next `count` getUpdates calls with 500."""
        with self._lock:
            self._failing_updates += count

    def methods_called(self) -> list[str]:
        """The Bot API methods called, in order."""
        with self._lock:
            return [call.method for call in self.calls]

    def texts_to(self, chat_id: str) -> list[str]:
        """The texts chat `chat_id` received, in order."""
        with self._lock:
            return [m.text for m in self.messages if m.chat_id == chat_id]

    def handle(self, method: str, fields: dict[str, Any]) -> Reply:
        """The reply to one Bot API call (None: drop the connection)."""
        with self._lock:
            self.calls.append(Call(method, fields))
        handler = self._methods().get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return handler(fields)

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Reply]]:
        return {"getMe": lambda _: _ok(BOT_USER), "sendMessage": self._send_message,
                "sendDocument": self._send_document, "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._webhook_info,
                "getFile": self._get_file, "answerCallbackQuery": self._answer_callback_query,
                "editMessageText": self._edit_message_text, "sendChatAction": lambda _: _ok(True)}

    def _get_file(self, fields: dict[str, Any]) -> Reply:
        file_id = str(fields.get("file_id", ""))
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        path, content = stored
        return _ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content),
                    "file_path": path})

    def download(self, path: str) -> bytes | None:
        """The content stored at `path` (a getFile file_path), or None; recorded as a "download" call."""
        with self._lock:
            self.calls.append(Call("download", {"path": path}))
            return next((content for p, content in self._files.values() if p == path), None)

    def _answer_callback_query(self, fields: dict[str, Any]) -> Reply:
        with self._lock:
            self.callback_answers.append(dict(fields))
        return _ok(True)

    def _edit_message_text(self, fields: dict[str, Any]) -> Reply:
        chat_id, text = str(fields.get("chat_id", "")), str(fields.get("text", ""))
        return _ok(_message(int(fields.get("message_id") or 0), chat_id, text=text))

    def _send_message(self, fields: dict[str, Any]) -> Reply:
        chat_id, text = str(fields.get("chat_id", "")), str(fields.get("text", ""))
        failure = self.outcome(chat_id, text)
        if failure is not None:
            return _failed(failure)
        markup = json.loads(fields["reply_markup"]) if fields.get("reply_markup") else None
        message_id = self._message_id()
        with self._lock:
            self.messages.append(SentMessage(chat_id, text, fields.get("parse_mode"), markup, message_id))
        return _ok(_message(message_id, chat_id, text=text))

    def _send_document(self, fields: dict[str, Any]) -> Reply:
        chat_id, caption = str(fields.get("chat_id", "")), str(fields.get("caption", ""))
        document = fields.get("document")
        if not isinstance(document, tuple):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: there is no document in the "
                                                                         "request"}
        file_name, data = document
        failure = self.outcome(chat_id, caption or file_name)
        if failure is not None:
            return _failed(failure)
        message_id = self._message_id()
        with self._lock:
            self.documents.append(SentDocument(chat_id, file_name, data, caption, message_id))
        file = {"file_id": f"doc-{message_id}", "file_unique_id": f"u-{message_id}", "file_name": file_name,
                "file_size": len(data)}
        return _ok(_message(message_id, chat_id, document=file, **({"caption": caption} if caption else {})))

    def _get_updates(self, fields: dict[str, Any]) -> Reply:
        with self._lock:
            if self._failing_updates:
                self._failing_updates -= 1
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        offset = int(fields.get("offset") or 0)
        limit = int(fields.get("limit") or 100)
        deadline = time.monotonic() + float(fields.get("timeout") or 0)
        with self._arrived:
            self._poll += 1
            mine = self._poll
            self._arrived.notify_all()
            # Like the real API: asking from `offset` confirms, and forgets, every earlier update.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing.is_set() and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
                if self._poll != mine:
                    self.conflicts += 1
                    return 409, {"ok": False, "error_code": 409, "description": CONFLICT}
            return _ok(self._updates[:limit])

    def _webhook_info(self, fields: dict[str, Any]) -> Reply:
        with self._lock:
            url = self.webhook["url"] if self.webhook else ""
        return _ok({"url": url, "has_custom_certificate": False, "pending_update_count": 0})

    def _set_webhook(self, fields: dict[str, Any]) -> Reply:
        with self._lock:
            self.webhook = {"url": fields.get("url", ""), "secret_token": fields.get("secret_token")}
        return _ok(True)

    def _delete_webhook(self, fields: dict[str, Any]) -> Reply:
        with self._lock:
            self.webhook = None
        return _ok(True)

    def _message_id(self) -> int:
        with self._lock:
            self._next_message_id += 1
            return self._next_message_id - 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _failed(failure: Failure | str) -> Reply:
    return None if failure == DROPPED else failure_reply(failure)  # type: ignore[arg-type]


def _message(message_id: int, chat_id: str, **content: Any) -> dict[str, Any]:
    chat = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
    return {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"}, **content}


def _fields(content_type: str, body: bytes) -> dict[str, Any]:
    """The request's fields: text values as sent (the client JSON-encodes the non-string ones), uploaded
    files as (file name, bytes)."""
    if content_type.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (json.loads(body or b"{}")).items()}
    if content_type.startswith("multipart/form-data"):
        # The standard library's MIME parser reads form data too (cgi is gone from Python 3.13).
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        fields: dict[str, Any] = {}
        for part in BytesParser(policy=policy.HTTP).parsebytes(head + body).iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            fields[str(name)] = (filename, data) if filename is not None else data.decode()
        return fields
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


def _handler(server: FakeTelegramServer) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):

        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path = unquote(self.path)  # python-telegram-bot quotes a file URL's path, the token's colon too
            for bot in server.bots():
                if path.startswith(f"/file/bot{bot.token}/"):
                    self._file(bot, path[len(f"/file/bot{bot.token}/"):])
                    return
            bot = next((bot for bot in server.bots() if self.path.startswith(f"/bot{bot.token}/")), None)
            if bot is None:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            prefix = f"/bot{bot.token}/"
            reply = bot.handle(self.path[len(prefix):], _fields(self.headers.get("Content-Type", ""), body))
            if reply is None:
                self.close_connection = True
                return
            self._reply(*reply)

        do_GET = do_POST  # noqa: N815

        def _file(self, bot: FakeTelegramServer, path: str) -> None:
            content = bot.download(path)
            if content is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._reply(200, content)


    return Handler


def channel_for(server: FakeTelegramServer, token: str = TOKEN, read_timeout: float = 30.0) -> TelegramChannel:
    """The real Telegram channel pointed at `server`. The read timeout is generous, since a busy machine
    may answer slowly; the tests of a hanging server pass a short one."""
    return TelegramChannel(token, api_base_url=server.url, timeouts=Timeouts(read=read_timeout))


def send(channel: TelegramChannel, chat_id: str, text: str) -> None:
    """One send in an event loop of its own, the channel closed afterwards."""

    async def once() -> None:
        async with channel:
            await channel.send(chat_id, text)

    asyncio.run(once())
