"""The Zalo adapter's inbound half: events are received, handed to the dialog, and its replies sent back as
plain text with numbered choices.

Events come by long polling (`ZaloBot.run_polling`, the default: a ward server behind a NAT needs no public
address) or through the webhook (`ZaloBot.run_webhook`, bots/webhook_endpoint.py's endpoint with Zalo's
X-Bot-Api-Secret-Token header); the two are exclusive on the platform, so each mode first calls
deleteWebhook or setWebhook. Both hand each event to `ZaloBot.process`. getUpdates gives one event per
answer and has no offset: an event is Zalo's to forget once delivered, so a dialog failure is retried here
(`attempts` times) rather than fetched again. The dialog handles each message id once (`Inbound.event_id`),
so a webhook that delivers twice changes nothing.

Log lines carry message ids and exception types, never the token or what a person wrote."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bots.channels import ChannelError
from bots.messages import DialogLike, Inbound, Reply
from bots.poll_lease import PollLeases, bot_key, poll_while_held
from bots.polling import PollingOptions, send_with_retries
from bots.webhook_endpoint import WebhookEndpoint, WebhookRoutes
from bots.zalo import CHANNEL, ZaloApiError, ZaloChannel, ZaloSettings, render

log = logging.getLogger("bots.zalo")

SECRET_HEADER = b"x-bot-api-secret-token"
TEXT_EVENT = "message.text.received"
ONLY_TEXT = "Bot chỉ đọc tin nhắn chữ: hãy gõ lệnh (ví dụ /viec) hoặc số của lựa chọn."
TRY_LATER = "Có lỗi, vui lòng thử lại sau."
RECENT = 1_000  # fixed answers remembered by message id, so that a second delivery is not answered again


@dataclass(frozen=True)
class Routed:
    """What one event asks of the adapter: `inbound` for the dialog, or `answer`, a fixed reply the adapter
    sends itself, to `chat_id`; neither: nothing to do."""

    chat_id: str = ""
    inbound: Inbound | None = None
    answer: str = ""
    message_id: str = ""


def unwrap(body: Any) -> dict[str, Any] | None:
    """The event in a getUpdates answer or a webhook body, with or without the {"ok", "result"} envelope;
    None for anything else."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    return body if isinstance(body, dict) and isinstance(body.get("event_name"), str) else None


def route(event: dict[str, Any]) -> Routed:
    """What `event` asks for. A text in a private chat goes to the dialog (event_id: the message id); an
    image, a sticker or any other message in a private chat gets the short ONLY_TEXT answer; a message
    from a bot, a group message (a Zalo bot cannot join groups) or an event without a chat: nothing."""
    message = event.get("message")
    if not isinstance(message, dict):
        return Routed()
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat_id, message_id = str(chat.get("id") or ""), str(message.get("message_id") or "")
    private = str(chat.get("chat_type") or "PRIVATE").upper() == "PRIVATE"
    if not chat_id or not private or sender.get("is_bot"):
        return Routed()
    text = message.get("text")
    if event.get("event_name") != TEXT_EVENT or not isinstance(text, str):
        return Routed(chat_id, answer=ONLY_TEXT, message_id=message_id)
    name = sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
    inbound = Inbound(channel=CHANNEL, chat_id=chat_id, event_id=message_id, text=text, sender_name=str(name))
    return Routed(chat_id, inbound=inbound, message_id=message_id)


class ZaloBot:
    """The inbound side for one bot: `process` one event, or run `run_polling` / `run_webhook` until
    cancelled. Sends through `channel`."""

    def __init__(self, channel: ZaloChannel, dialog: DialogLike, *,
                 options: PollingOptions = PollingOptions()) -> None:
        self.channel = channel
        self.dialog = dialog
        self.options = options
        self._lock = asyncio.Lock()
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def process(self, event: dict[str, Any]) -> None:
        """Handle one event: send a fixed answer, or hand the Inbound to the dialog (with "typing" shown
        meanwhile) and send its replies. Never raises for the dialog's or Zalo's errors: after `attempts`
        dialog failures the person is told to try later. Cancelled, it finishes the event first (the
        dialog's transaction cannot stop half-way, and its replies would be lost), then raises."""
        work = asyncio.ensure_future(self._process(event))
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await work
            raise

    async def _process(self, event: dict[str, Any]) -> None:
        routed = route(event)
        if routed.answer:
            if self._first_time(routed.message_id):
                await self.deliver(routed.chat_id, [routed.answer])
            return
        inbound = routed.inbound
        if inbound is None:
            return
        # One event at a time, its replies included: a chat's answers arrive in the order it wrote.
        async with self._lock:
            await self._typing(inbound.chat_id)
            replies = await self._dialog(inbound)
            await self.deliver(inbound.chat_id, [render(reply) for reply in replies])

    async def _dialog(self, inbound: Inbound) -> list[Reply]:
        for attempt in range(1, self.options.attempts + 1):
            try:
                return await asyncio.to_thread(self.dialog.handle, inbound)
            except Exception as exc:
                # The stack without the exception's message: that may quote what the person wrote.
                log.error("Hộp thoại lỗi khi xử lý tin Zalo %s (lần %d/%d): %s\n%s", inbound.event_id, attempt,
                          self.options.attempts, type(exc).__name__,
                          "".join(traceback.format_tb(exc.__traceback__)))
                if attempt < self.options.attempts:
                    await asyncio.sleep(self.options.delay(attempt))
        return [Reply(TRY_LATER)]

    def _first_time(self, message_id: str) -> bool:
        if not message_id:
            return True
        if message_id in self._answered:
            return False
        self._answered[message_id] = None
        while len(self._answered) > RECENT:
            self._answered.popitem(last=False)
        return True

    async def deliver(self, chat_id: str, texts: Sequence[str]) -> None:
        """Send each text to `chat_id` in order, split into parts of at most 2000 characters. A retryable
        failure is tried again (after Zalo's retry_after when it gave one); a permanent one (the bot
        blocked) stops the rest. Logs failures, never raises ChannelError."""
        for text in texts:
            if not text.strip():
                log.warning("Bỏ qua một trả lời rỗng cho chat Zalo %s.", chat_id)
                continue
            if not await self._retrying_send(lambda text=text: self.channel.send_text(chat_id, text)):
                return

    async def _retrying_send(self, send: Callable[[], Awaitable[object]]) -> bool:
        return await send_with_retries(send, self.options, "Zalo")

    async def _typing(self, chat_id: str) -> None:
        with contextlib.suppress(ChannelError):
            await self.channel.send_chat_action(chat_id, "typing")

    async def _retrying(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        failures = 0
        while True:
            try:
                return await call()
            except ZaloApiError as exc:
                failures += 1
                wait = exc.retry_after or self.options.delay(failures)
                log.warning("Zalo %s lỗi (%s); thử lại sau %.1f giây.", what, exc, wait)
                await asyncio.sleep(wait)

    async def run_polling(self) -> None:
        """Long polling until cancelled: getMe and deleteWebhook first (getUpdates does not work while a
        webhook is set), then getUpdates in a loop, each event processed before the next is asked for.
        Errors back off and retry. On cancellation the event in hand is finished."""
        await self._retrying("getMe", self.channel.get_me)
        await self._retrying("deleteWebhook", self.channel.delete_webhook)
        log.info("Zalo: nhận tin nhắn bằng long polling.")
        failures = 0
        while True:
            try:
                event = await self.channel.get_update(self.options.timeout)
            except ZaloApiError as exc:
                failures += 1
                wait = exc.retry_after or self.options.delay(failures)
                log.warning("Zalo getUpdates lỗi (%s); thử lại sau %.1f giây.", exc, wait)
                await asyncio.sleep(wait)
                continue
            failures = 0
            found = unwrap(event)
            if found is not None:
                await self.process(found)

    async def run_webhook(self, url: str, secret: str, webhooks: WebhookRoutes) -> None:
        """Answer Zalo's posts to `url`'s path among `webhooks` (the service's HTTP listeners serve them),
        then setWebhook with `secret`; runs until cancelled, then stops answering (the webhook stays set).
        A post without the secret in X-Bot-Api-Secret-Token gets 403 and reaches nothing."""
        await self._retrying("getMe", self.channel.get_me)
        endpoint = WebhookEndpoint(secret, self.receive, secret_header=SECRET_HEADER, platform="Zalo")
        with webhooks.serving(url, endpoint) as path:
            await self._retrying("setWebhook", lambda: self.channel.set_webhook(url, secret))
            log.info("Zalo: nhận tin nhắn qua webhook tại đường dẫn %s.", path)
            await asyncio.Event().wait()

    async def receive(self, body: bytes) -> int:
        """The webhook's handler for one authenticated post, with or without the {"ok", "result"}
        envelope: 200 once the event is processed, 400 for a body that is not an event."""
        try:
            event = unwrap(json.loads(body))
        except ValueError:
            event = None
        if event is None:
            log.warning("Webhook Zalo nhận nội dung không phải sự kiện.")
            return 400
        await self.process(event)
        return 200


async def run_zalo(channel: ZaloChannel, settings: ZaloSettings, dialog: DialogLike, *,
                   options: PollingOptions = PollingOptions(), webhooks: WebhookRoutes | None = None,
                   leases: PollLeases | None = None) -> None:
    """Receive the bot's events as `settings` say (the webhook among `webhooks` when ZALO_WEBHOOK_URL is
    set, else long polling, only while this process holds the bot's poll lease when `leases` are given)
    and answer them through `dialog`, until cancelled. Raises ValueError for a webhook without `webhooks`
    to be served by."""
    bot = ZaloBot(channel, dialog, options=options)
    if settings.webhook_url is None or settings.webhook_secret is None:
        if leases is None or settings.bot_token is None:
            await bot.run_polling()
        else:
            await poll_while_held(leases, bot_key(CHANNEL, settings.bot_token.get_secret_value()), bot.run_polling)
        return
    if webhooks is None:
        raise ValueError("a webhook needs the service's HTTP listeners")
    await bot.run_webhook(settings.webhook_url, settings.webhook_secret.get_secret_value(), webhooks)
