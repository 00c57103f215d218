"""The Telegram adapter's translation between Telegram and the dialog: which updates reach the dialog as an
`Inbound` (and which get a fixed short answer instead), and how a `Reply` becomes an HTML message with an
inline keyboard. No I/O here: bots/telegram_inbound.py receives, calls the dialog and sends."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, MessageLimit

from bots.messages import Button, Inbound, InboundFile, OutboundFile, Reply

CHANNEL = "telegram"
ONLY_TEXT_AND_FILES = "Bot chỉ đọc tin nhắn chữ và tệp .docx/.pdf."
PRIVATE_ONLY = "Bot chỉ làm việc trong chat riêng: hãy nhắn trực tiếp cho bot."
EDITED = "Bot không đọc tin nhắn đã sửa: hãy gửi nội dung mới thành một tin nhắn mới."
TRY_LATER = "Có lỗi, vui lòng thử lại sau."
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit on an inline button's callback_data
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)
# What the bot asks Telegram for; everything else (channel posts, reactions, polls ...) is never sent.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


class ButtonDataError(ValueError):
    """A button whose data Telegram would refuse (empty, or over 64 bytes in UTF-8)."""


@dataclass(frozen=True)
class Routed:
    """What one update asks of the adapter: `inbound` for the dialog, or `answer`, a fixed reply the
    adapter sends itself, to `chat_id`; neither: nothing to do. `callback_id`: a button press whose
    spinner must be stopped."""

    chat_id: str = ""
    inbound: Inbound | None = None
    answer: str = ""
    callback_id: str | None = None

def route(update: Update, bot_username: str = "") -> Routed:
    """What `update` asks for. A private text (a /command with its arguments as written, "@bot" after the
    command removed), document (.docx, .pdf ... : the dialog checks the type) or photo (its largest size,
    as "anh-<message id>.jpg") goes to the dialog, as does a button press; other content in a private chat
    (stickers, voice ...) and edited messages
    get a fixed short answer; a group gets "private chats only" when it addresses the bot (a command, a
    mention, a reply to the bot, the bot added), otherwise nothing. Event ids: "msg:<chat>:<message_id>"
    (message ids are never reused in a chat, while update ids restart at random after a week without
    updates) and "cbq:<callback query id>"."""
    if update.callback_query is not None:
        return _button(update.callback_query)
    if update.edited_message is not None:
        edited = update.edited_message
        return Routed(str(edited.chat.id), answer=EDITED) if edited.chat.type == ChatType.PRIVATE else Routed()
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return Routed()
    chat_id = str(message.chat.id)
    if message.chat.type != ChatType.PRIVATE:
        return Routed(chat_id, answer=PRIVATE_ONLY) if _addressed_to_bot(message, bot_username) else Routed()
    base = {"channel": CHANNEL, "chat_id": chat_id, "event_id": f"msg:{chat_id}:{message.message_id}",
            "sender_name": message.from_user.full_name, "reply_to": _replied_text(message)}
    if message.text is not None:
        return Routed(chat_id, inbound=Inbound(text=_without_bot_name(message.text, bot_username), **base))
    document = message.document
    if document is not None and message.animation is None:  # a GIF comes as a document too
        file = InboundFile(name=document.file_name or "", mime_type=document.mime_type or "",
                           size=document.file_size or 0, ref=document.file_id)
        return Routed(chat_id, inbound=Inbound(text=message.caption or "", file=file, **base))
    if message.photo:  # a phone photo of a notice: Telegram sends it as JPEG, in several sizes
        largest = max(message.photo, key=lambda size: size.width * size.height)
        file = InboundFile(name=f"anh-{message.message_id}.jpg", mime_type="image/jpeg",
                           size=largest.file_size or 0, ref=largest.file_id)
        return Routed(chat_id, inbound=Inbound(text=message.caption or "", file=file, **base))
    if message.effective_attachment is not None:
        return Routed(chat_id, answer=ONLY_TEXT_AND_FILES)
    return Routed()  # a service message (a pin, a timer changed): nothing a person said


def _button(query: CallbackQuery) -> Routed:
    message = query.message
    private = message is None or message.chat.type == ChatType.PRIVATE
    if not query.data or not private:
        return Routed(callback_id=query.id)
    chat_id = str(message.chat.id if message is not None else query.from_user.id)
    inbound = Inbound(channel=CHANNEL, chat_id=chat_id, event_id=f"cbq:{query.id}", button=query.data,
                      sender_name=query.from_user.full_name)
    return Routed(chat_id, inbound=inbound, callback_id=query.id)


def _replied_text(message: Message) -> str:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return ""
    return replied.text or replied.caption or ""


def _without_bot_name(text: str, bot_username: str) -> str:
    command, space, rest = text.partition(" ")
    name, at, target = command.partition("@")
    if command.startswith("/") and at and bot_username and target.lower() == bot_username.lower():
        return name + space + rest
    return text


def _addressed_to_bot(message: Message, bot_username: str) -> bool:
    text = message.text or ""
    mention = bool(bot_username) and f"@{bot_username.lower()}" in text.lower()
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    added = any(member.is_bot and member.username == bot_username for member in message.new_chat_members)
    return text.startswith("/") or mention or to_bot or added


def keyboard(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for rows of buttons (None without any). Raises ButtonDataError for a button
    whose data Telegram would refuse: empty, or over 64 bytes in UTF-8."""
    rows = [list(row) for row in buttons if row]
    for row in rows:
        for button in row:
            size = len(button.data.encode())
            if not 0 < size <= CALLBACK_DATA_LIMIT:
                raise ButtonDataError(f"dữ liệu nút dài {size} byte; Telegram chỉ nhận 1 đến "
                                      f"{CALLBACK_DATA_LIMIT} byte")
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


@dataclass(frozen=True)
class Outgoing:
    """One `Reply` ready for Telegram: its text escaped as HTML, its keyboard, its file."""

    html: str
    markup: InlineKeyboardMarkup | None = None
    file: OutboundFile | None = None


def render(reply: Reply) -> Outgoing:
    """`reply` for Telegram: the dialog's plain text escaped for HTML parse mode, its buttons as an inline
    keyboard. Raises ButtonDataError as `keyboard` does."""
    return Outgoing(html.escape(reply.text, quote=False), keyboard(reply.buttons), reply.file)
