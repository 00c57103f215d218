"""The Telegram adapter's inbound half: updates are received, handed to the dialog, and its replies sent
back as HTML messages, inline keyboards and documents (the translation itself: bots/telegram_updates.py).

Updates come by long polling (`TelegramBot.run_polling`, the default: a ward server behind a NAT needs no
public address) or through the webhook (`TelegramBot.run_webhook`, bots/webhook_endpoint.py); both hand
each update to `TelegramBot.process`. The dialog runs in a worker thread (it is synchronous, one database
transaction per call), one update at a time, in the order Telegram numbered them. An update counts as
handled only once the dialog returned: polling confirms it to Telegram (the offset) after that, and the
webhook answers 200 after that, so a crash in between delivers it again and the dialog, which handles each
`Inbound.event_id` once, ignores the copy.

Log lines carry event ids and exception types, never the token, a message's text or a file's name."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import html
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bots.channels import ChannelError
from bots.messages import DialogLike, Inbound
from bots.poll_lease import PollLeases, bot_key, poll_while_held
from bots.polling import PollingOptions, send_with_retries
from bots.telegram import TelegramChannel, TelegramSettings, retry_after_seconds
from bots.telegram_updates import ALLOWED_UPDATES, CAPTION_LIMIT, TRY_LATER, ButtonDataError, Outgoing, render, route
from bots.webhook_endpoint import WebhookEndpoint, WebhookRoutes

if TYPE_CHECKING:
    from bots.shared_pace import Limiter

log = logging.getLogger("bots.telegram")

FetchFile = Callable[[str, int], bytes]


class TelegramBot:
    """The inbound side for one bot: `process` one update, or run `run_polling` / `run_webhook` until
    cancelled. Sends through `channel` (whose Bot belongs to the running event loop)."""

    def __init__(self, channel: TelegramChannel, dialog: DialogLike, *,
                 options: PollingOptions = PollingOptions(), limiter: Limiter | None = None) -> None:
        self.channel = channel
        self.dialog = dialog
        self.options = options
        # The outbox sender's limiter in service: Telegram counts the replies and the reminders together.
        self.limiter = limiter
        self.username = ""
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._failures: dict[int, int] = {}  # update_id: dialog failures so far

    async def start(self) -> None:
        """Ask Telegram who the bot is (getMe; its username is stripped from "/command@bot"), retrying
        network errors with backoff until it answers."""
        bot = self.channel.bot()
        await self._retrying("getMe", bot.initialize)
        self.username = bot.username

    async def process(self, update: Update) -> bool:
        """Handle one update: acknowledge a button press, send a fixed answer, or hand the Inbound to the
        dialog and send its replies. Returns True when done with the update (also when a reply could not be
        sent, or after `attempts` dialog failures, the person told to try later); False when the dialog
        failed and the update should be delivered again. Never raises for the dialog's or Telegram's
        errors. Cancelled, it finishes the update first (the dialog's transaction cannot stop half-way,
        and its replies would be lost: the dialog ignores the update when it comes again), then raises."""
        work = asyncio.ensure_future(self._process(update))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await work
            raise

    async def _process(self, update: Update) -> bool:
        routed = route(update, self.username)
        if routed.callback_id is not None:
            await self._answer_callback(routed.callback_id)
        if routed.answer:
            await self.deliver(routed.chat_id, [Outgoing(html.escape(routed.answer, quote=False))])
            return True
        inbound = routed.inbound
        if inbound is None:
            return True
        # One update of a chat at a time, its replies included: a chat's answers arrive in the order it
        # wrote; other chats go on meanwhile.
        async with self._chat_lock(inbound.chat_id):
            if inbound.file is not None:
                await self._typing(inbound.chat_id)
            try:
                replies = await asyncio.to_thread(self.dialog.handle, inbound)
            except Exception as exc:
                return await self._dialog_failed(update.update_id, inbound, exc)
            self._failures.pop(update.update_id, None)
            try:
                outgoing = [render(reply) for reply in replies]
            except ButtonDataError as exc:
                log.error("Hộp thoại trả lời %s bằng nút Telegram không nhận: %s", inbound.event_id, exc)
                outgoing = [Outgoing(TRY_LATER)]
            await self.deliver(inbound.chat_id, outgoing)
        return True

    def _chat_lock(self, chat_id: str) -> asyncio.Lock:
        if len(self._chat_locks) > _CHAT_LOCKS_KEPT:
            self._chat_locks = {chat: lock for chat, lock in self._chat_locks.items() if lock.locked()}
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    async def _dialog_failed(self, update_id: int, inbound: Inbound, exc: Exception) -> bool:
        failures = self._failures.get(update_id, 0) + 1
        # The stack without the exception's message: that may quote what the person wrote.
        log.error("Hộp thoại lỗi khi xử lý %s (lần %d/%d): %s\n%s", inbound.event_id, failures,
                  self.options.attempts, type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        if failures < self.options.attempts:
            self._failures[update_id] = failures
            return False
        self._failures.pop(update_id, None)
        await self.deliver(inbound.chat_id, [Outgoing(TRY_LATER)])
        return True

    async def deliver(self, chat_id: str, outgoing: Sequence[Outgoing]) -> None:
        """Send each message to `chat_id` in order: long texts split, the keyboard under the last part, a
        file as a document (its text as the caption when it fits, else sent before it). A retryable
        failure is tried again (after Telegram's retry_after when it gave one); a permanent one (the bot
        blocked) stops the rest. Logs failures, never raises ChannelError."""
        for item in outgoing:
            if not await self._send_one(chat_id, item):
                return

    async def _send_one(self, chat_id: str, item: Outgoing) -> bool:
        channel = self.channel
        if item.file is None:
            if not item.html.strip():
                log.warning("Bỏ qua một trả lời rỗng cho chat %s.", chat_id)
                return True
            return await self._retrying_send(
                chat_id, lambda: channel.send_html(chat_id, item.html, reply_markup=item.markup))
        file = item.file
        caption = item.html if len(item.html.encode("utf-16-le")) // 2 <= CAPTION_LIMIT else ""
        if item.html.strip() and not caption and not await self._retrying_send(
                chat_id, lambda: channel.send_html(chat_id, item.html)):
            return False
        return await self._retrying_send(chat_id, lambda: channel.send_document(
            chat_id, file.name, file.content, caption_html=caption, reply_markup=item.markup))

    async def _retrying_send(self, chat_id: str, send: Callable[[], Awaitable[object]]) -> bool:
        async def in_turn() -> object:
            if self.limiter is None:
                return await send()
            await self.limiter.acquire(self.channel.name, chat_id)
            try:
                return await send()
            finally:
                await self.limiter.done(self.channel.name, chat_id)

        return await send_with_retries(in_turn, self.options, "Telegram")

    async def _answer_callback(self, callback_id: str) -> None:
        try:
            await self.channel.bot().answer_callback_query(callback_id)
        except TelegramError as exc:
            # An old press delivered again can no longer be answered; the reply still goes out.
            log.debug("answerCallbackQuery: %s", type(exc).__name__)

    async def _typing(self, chat_id: str) -> None:
        with contextlib.suppress(TelegramError):
            await self.channel.bot().send_chat_action(chat_id, ChatAction.TYPING)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        failures = 0
        while True:
            try:
                return await call()
            except TelegramError as exc:
                failures += 1
                wait = _wait(exc, self.options.delay(failures))
                log.warning("Telegram %s lỗi (%s); thử lại sau %.1f giây.", what, _describe(exc), wait)
                await asyncio.sleep(wait)

    async def run_polling(self) -> None:
        """Long polling until cancelled: deleteWebhook first (Telegram refuses getUpdates while a webhook
        is set), then getUpdates in a loop. A batch is processed chat by chat in parallel, in order within
        each chat (`process_batch`), and confirmed (the offset moved past it) only as far as every update
        before was processed; an update whose dialog call failed is fetched again after a backoff, with the
        ones after it (the dialog ignores those it already handled). Network and server errors back off and
        retry. On cancellation the batch in hand is finished and the handled updates are confirmed."""
        await self.start()
        bot = self.channel.bot()
        await self._retrying("deleteWebhook", bot.delete_webhook)
        log.info("Telegram: nhận tin nhắn bằng long polling.")
        offset: int | None = None
        failures = 0
        try:
            while True:
                try:
                    updates = await bot.get_updates(offset=offset, timeout=self.options.timeout,
                                                    allowed_updates=ALLOWED_UPDATES)
                except TelegramError as exc:
                    failures += 1
                    wait = _wait(exc, self.options.delay(failures))
                    log.warning("Telegram getUpdates lỗi (%s); thử lại sau %.1f giây.", _describe(exc), wait)
                    await asyncio.sleep(wait)
                    continue
                failures = 0
                batch = asyncio.ensure_future(self.process_batch(updates))
                try:
                    done = await asyncio.shield(batch)
                except asyncio.CancelledError:
                    offset = _confirmed(offset, updates, await batch)  # the stop waits for the batch in hand
                    raise
                offset = _confirmed(offset, updates, done)
                if not all(done):
                    failed = updates[done.index(False)]
                    await asyncio.sleep(self.options.delay(self._failures.get(failed.update_id, 1)))
        finally:
            if offset is not None:
                await self._confirm(bot, offset)

    async def process_batch(self, updates: Sequence[Update]) -> list[bool]:
        """Process `updates`, those of different chats concurrently (one slow person does not hold up
        the others), those of one chat in their order, stopping at a chat's first failure so that nothing
        of that chat is handled out of order. Returns, per update, whether it was processed."""
        done = [False] * len(updates)
        by_chat: dict[object, list[int]] = {}
        for index, update in enumerate(updates):
            by_chat.setdefault(_chat_key(update), []).append(index)

        async def in_order(indexes: list[int]) -> None:
            for index in indexes:
                if not await self.process(updates[index]):
                    return
                done[index] = True

        await asyncio.gather(*(in_order(indexes) for indexes in by_chat.values()))
        return done

    async def _confirm(self, bot: Bot, offset: int) -> None:
        # Telegram forgets updates only when asked for later ones; without this a restart sees the last
        # batch again (harmless, the dialog ignores event ids it handled, but wasteful).
        with contextlib.suppress(TelegramError, asyncio.CancelledError):
            await bot.get_updates(offset=offset, timeout=0, read_timeout=2, allowed_updates=ALLOWED_UPDATES)

    async def run_webhook(self, url: str, secret: str, webhooks: WebhookRoutes) -> None:
        """Answer Telegram's posts to `url`'s path among `webhooks` (the service's HTTP listeners serve
        them), then setWebhook with `secret`; runs until cancelled, then stops answering (the webhook stays
        set: Telegram keeps the updates that come meanwhile and delivers them again). A post without the
        secret gets 403 and reaches nothing."""
        await self.start()
        with webhooks.serving(url, WebhookEndpoint(secret, self.receive)) as path:
            bot = self.channel.bot()
            await self._retrying("setWebhook", lambda: bot.set_webhook(
                url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
            log.info("Telegram: nhận tin nhắn qua webhook tại đường dẫn %s.", path)
            await asyncio.Event().wait()

    async def receive(self, body: bytes) -> int:
        """The webhook's handler for one authenticated post: 200 once the update is processed, 500 when it
        should be delivered again (the dialog failed), 400 for a body that is not an update."""
        try:
            update = Update.de_json(json.loads(body), self.channel.bot())
        except Exception as exc:  # PTB reports a malformed update as whatever its parsing hit
            log.warning("Webhook Telegram nhận nội dung không phải cập nhật: %s", type(exc).__name__)
            return 400
        return 200 if await self.process(update) else 500


def _wait(exc: TelegramError, backoff: float) -> float:
    return retry_after_seconds(exc) if isinstance(exc, RetryAfter) else backoff


def _describe(exc: TelegramError) -> str:
    if isinstance(exc, Conflict):
        return "409: một tiến trình khác đang nhận cập nhật của bot này, hoặc webhook vẫn đang đặt"
    if isinstance(exc, InvalidToken):
        return "Telegram không nhận token: kiểm tra TELEGRAM_BOT_TOKEN và TELEGRAM_API_BASE_URL"
    return type(exc).__name__


def file_fetcher(channel: TelegramChannel, loop: asyncio.AbstractEventLoop, *, timeout: float = 120.0) -> FetchFile:
    """A blocking `fetch(ref, max_bytes) -> bytes` for the dialog, which runs in a worker thread: it runs
    `channel.fetch_file` on `loop` (the loop that owns the channel's connections) and waits up to
    `timeout` seconds. Raises ChannelError as fetch_file does (retryable when it timed out), and
    RuntimeError when called on `loop` itself, where waiting would block the loop forever."""

    def fetch(ref: str, max_bytes: int) -> bytes:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("fetch_file must be called from the dialog's worker thread")
        future = asyncio.run_coroutine_threadsafe(channel.fetch_file(ref, max_bytes), loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ChannelError("hết thời gian tải tệp từ Telegram", retryable=True) from None

    return fetch


def message_sender(channel: TelegramChannel, loop: asyncio.AbstractEventLoop, *, timeout: float = 30.0
                   ) -> Callable[[str, str], None]:
    """A blocking `say(chat_id, text)` for the dialog's worker thread: sends plain `text` at once on `loop`
    (the loop that owns the channel's connections), waiting up to `timeout` seconds. A failure is logged
    and dropped: the message only says that a slow step has begun, and the real answer follows."""

    def say(chat_id: str, text: str) -> None:
        future = asyncio.run_coroutine_threadsafe(channel.send_html(chat_id, html.escape(text, quote=False)), loop)
        try:
            future.result(timeout)
        except (concurrent.futures.TimeoutError, TelegramError, ChannelError) as exc:
            future.cancel()
            log.warning("Không gửi được tin «đang đọc» cho chat %s: %s", chat_id, type(exc).__name__)

    return say


async def run_telegram(channel: TelegramChannel, settings: TelegramSettings, dialog: DialogLike, *,
                       options: PollingOptions = PollingOptions(), limiter: Limiter | None = None,
                       webhooks: WebhookRoutes | None = None, leases: PollLeases | None = None) -> None:
    """Receive the bot's updates as `settings` say (the webhook among `webhooks` when TELEGRAM_WEBHOOK_URL
    is set, else long polling, only while this process holds the bot's poll lease when `leases` are given)
    and answer them through `dialog`, until cancelled; replies wait for `limiter` when given. Raises
    ValueError for a webhook without `webhooks` to be served by."""
    bot = TelegramBot(channel, dialog, options=options, limiter=limiter)
    if settings.webhook_url is None or settings.webhook_secret is None:
        if leases is None or settings.bot_token is None:
            await bot.run_polling()
        else:
            await poll_while_held(leases, bot_key(channel.name, settings.bot_token.get_secret_value()),
                                  bot.run_polling)
        return
    if webhooks is None:
        raise ValueError("a webhook needs the service's HTTP listeners")
    await bot.run_webhook(settings.webhook_url, settings.webhook_secret.get_secret_value(), webhooks)


_CHAT_LOCKS_KEPT = 1000  # idle locks beyond this are dropped; a new one is made when the chat writes again


def _chat_key(update: Update) -> object:
    chat = update.effective_chat or update.effective_user
    return chat.id if chat is not None else ("update", update.update_id)


def _confirmed(offset: int | None, updates: Sequence[Update], done: list[bool]) -> int | None:
    """The offset past the longest run of processed updates at the head of the batch."""
    for update, processed in zip(updates, done, strict=True):
        if not processed:
            break
        offset = update.update_id + 1
    return offset
