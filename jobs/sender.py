"""The outbox sender: delivers the rows jobs wrote, at least once.

Each step claims one due row with a lease (tracker.outbox.claim_next), sends it through the row's channel
and records the outcome, so every attempt leaves data: sent, put back with a later `next_attempt_at`, or
failed with the reason. A sender that dies mid-send loses nothing: its lease runs out and another sender
sends the message that was in flight again (the only possible duplicate; with `concurrency` N, at most N).
Office hours are not this module's business: the jobs decide when a message is due (they enqueue only in
the morning); the sender sends whatever is due.

Rate limits: `tracker serve` gives the sender and the chat bots one limiter, since the platform counts every
message of a bot token; its bots.shared_pace.SharedRateLimiter counts the sends of every process of the
service together. Without one, a RateLimiter of this process alone paces the sends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bots.channels import Channel, ChannelError, ChatMoved, LogChannel, enabled_settings, plugin_of, plugins
from bots.messages import Button
from bots.plugin import ChannelSettings
from bots.ratelimit import RateLimiter, RateLimits, Sleep
from bots.ward_bots import bot_name
from tracker import outbox, sender_leases
from tracker.chat_address import ChatAddress, through_bot_of
from tracker.clock import Clock
from tracker.errors import one_line

if TYPE_CHECKING:
    from bots.shared_pace import Limiter

log = logging.getLogger(__name__)


# A bot token (Telegram: "123456:AA..."), a token in a URL path (/bot<token>/) or a query string.
_SECRETS = (
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}"), "***"),
    (re.compile(r"/bot[^/\s'\"]+"), "/bot***"),
    (re.compile(r"(?i)((?:access_)?token|secret|key)=[^&\s'\"]+"), r"\1=***"),
)


def redact(text: str) -> str:
    """`text` with anything that looks like a token replaced by ***: errors are stored and logged."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


FAILING_WAIT_MAX = 60  # seconds between tries while the database stays unusable
HEARTBEAT_EVERY = 10.0  # seconds; a third of tracker.sender_leases.TTL, so two missed beats are forgiven


def _traceback(exc: BaseException) -> str:
    # The message of a library's exception may hold a URL with the token in it.
    return redact("".join(traceback.format_exception(exc)))


def build_channels(log_path: Path, settings: Mapping[str, ChannelSettings] | None = None) -> dict[str, Channel]:
    """The channels the service can send through, by bot name. "log" is always there: it is the fallback.
    Each plug-in of bots.channels.PLUGINS joins when it is switched on: with `settings[name]` when given,
    else its settings from the environment (bots.channels.enabled_settings); so does each ward's own bot in
    `settings` ("telegram/phuong-mau", bots.channels.bots_settings). Raises ConfigError (one Vietnamese
    message, no secret in it) when a channel's value is wrong, so that a bad value stops the service at
    start-up."""
    channels: dict[str, Channel] = {"log": LogChannel(log_path)}
    switched_on = enabled_settings(settings)
    for plugin in plugins():
        if plugin.name in switched_on:
            channels[plugin.name] = plugin.build(switched_on[plugin.name])
    for name, bot in (settings or {}).items():
        plugin = plugin_of(name)
        if name not in channels and plugin is not None and bot.enabled:
            channels[name] = plugin.build(bot)
            # A ward's own bot: its name keys the rate limits and the logs, apart from the deployment's bot.
            channels[name].name = name
    return channels


@dataclass(frozen=True)
class _Outcome:
    word: str  # sent, retry, failed, unreachable, moved
    error: str = ""


class Sender:
    """Delivers the outbox. `channels` maps a channel name ("telegram", "zalo", "log") to its adapter;
    a row whose person has no reachable chat, or whose channel is not configured, goes to `log_channel`
    (default: channels["log"]). `name` identifies this sender's claims (unique per process). `concurrency`
    is how many messages `run` sends at once (1: a crash repeats at most one message).

    Retries: a retryable error puts the row back after max(retry_after, backoff_base * 2^(attempts-1)
    capped at backoff_max), deterministic, no jitter; after tracker.outbox.MAX_ATTEMPTS it fails. An
    unreachable chat is marked so (with an audit event) and never tried again; a chat that moved
    (ChatMoved) has its binding moved and the row sent again at once; any other permanent error fails the
    row at once. An exception that is not a ChannelError (a bug, a library's own timeout) counts
    as retryable. A send that outlasts `send_timeout` (default: half the lease, so that no other sender
    can claim a row still in flight) counts as a retryable timeout.

    Liveness: given `liveness` (the wall clock), `run` keeps a short lease of this sender alive
    (tracker.sender_leases) and gives back the rows of senders whose lease ran out, so that a process
    killed mid-send delays its rows by seconds, not by a whole claim lease."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        channels: Mapping[str, Channel],
        *,
        name: str,
        lease: timedelta = timedelta(minutes=2),
        limits: RateLimits = RateLimits(),  # noqa: B008 (frozen, so sharing the default is safe)
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_max: timedelta = timedelta(minutes=30),
        log_channel: Channel | None = None,
        send_timeout: float | None = None,
        concurrency: int = 1,
        sleep: Sleep = asyncio.sleep,
        limiter: Limiter | None = None,
        liveness: Clock | None = None,
    ) -> None:
        fallback = log_channel or channels.get("log")
        if fallback is None:
            raise ValueError("the sender needs a log channel: pass log_channel or channels['log']")
        if not 0 < len(name) <= 64:
            raise ValueError("the sender's name must have 1 to 64 characters")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.engine, self.clock, self.channels, self.name = engine, clock, dict(channels), name
        self.lease, self.backoff_base, self.backoff_max = lease, backoff_base, backoff_max
        self.log_channel = fallback
        self.send_timeout = send_timeout if send_timeout is not None else lease.total_seconds() / 2
        self.concurrency = concurrency
        # Shared with the chat bots of the same tokens when given: the limits are the bot's, not the sender's.
        self.limiter: Limiter = limiter or RateLimiter(limits, clock, sleep)
        self.liveness = liveness

    async def send_one(self) -> bool:
        """Claim one due row, send it and record the outcome. Returns False when nothing was due.
        Raises only when the database fails; the claimed row is then retried once its lease runs out."""
        delivery = await asyncio.to_thread(self._in_session, outbox.claim_next, clock=self.clock,
                                           sender=self.name, lease=self.lease)
        if delivery is None:
            return False
        channel, chat = self._route(delivery)
        if channel is not self.log_channel and (until := self.limiter.paused_until(channel.name)):
            # The channel is held by flood control: give the row back for then and let the next due row,
            # perhaps of another channel, go first.
            await asyncio.to_thread(self._in_session, outbox.postpone, notification_id=delivery.notification_id,
                                    until=datetime.fromtimestamp(until, tz=UTC), sender=self.name)
            return True
        started = time.monotonic()
        error = await self._send(delivery, channel, chat)
        duration_ms = (time.monotonic() - started) * 1000
        outcome = await asyncio.to_thread(self._record, delivery, error)
        level = logging.INFO if outcome.word == "sent" else logging.WARNING
        log.log(level, "notification=%s kind=%s person=%s channel=%s outcome=%s attempt=%s duration_ms=%.0f%s",
                delivery.notification_id, delivery.kind, delivery.person_id, channel.name, outcome.word,
                delivery.attempts, duration_ms, f" error={outcome.error!r}" if outcome.error else "")
        return True

    async def run(self, stop: asyncio.Event, idle_wait: float = 1.0, grace: float = 5.0) -> None:
        """Send until `stop` is set, `concurrency` messages at a time, each worker waiting `idle_wait`
        seconds whenever nothing is due. On stop, the sends in flight get `grace` seconds to finish, then
        are cancelled; last, the rows this sender still holds are given back so that another sender takes
        them at once. A failing step (the database down) is logged and tried again after `idle_wait`: the
        loop never dies of one bad row."""
        beating = []
        if self.liveness is not None:
            # Alive before the first claim: no other sender may judge this one gone while it holds rows.
            await self._beat_once()
            beating.append(asyncio.create_task(self._beat(stop)))
        workers = [asyncio.create_task(self._loop(stop, idle_wait)) for _ in range(self.concurrency)]
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({*workers, stopped}, return_when=asyncio.FIRST_COMPLETED)
            _, unfinished = await asyncio.wait(workers, timeout=grace)
            if unfinished:
                log.warning("sender=%s stopped with %d send(s) in flight; they go back to the outbox", self.name,
                            len(unfinished))
        finally:
            for task in (*workers, stopped, *beating):
                task.cancel()
            # Synchronous on purpose: this must run even when run() itself is being cancelled. Without a
            # database the claims cannot be given back; their leases run out and another sender takes them.
            try:
                released = self._in_session(outbox.release_claims, sender=self.name)
                log.info("sender=%s stopped, released=%s", self.name, released)
                if self.liveness is not None:
                    sender_leases.give_up(self.engine, self.liveness, sender=self.name)
            except Exception as exc:
                log.warning("sender=%s stopped without giving back its claims (%s); their leases will run out",
                            self.name, one_line(exc, clean=redact))

    async def _beat_once(self) -> None:
        # Renew this sender's lease, then give back the rows of senders whose lease ran out. A database that
        # fails here is logged and the next beat tries again; until one succeeds the sender has no lease,
        # like a sender without liveness, and its claims wait for their own lease.
        assert self.liveness is not None
        try:
            await asyncio.to_thread(sender_leases.keep_alive, self.engine, self.liveness, sender=self.name)
            gone = await asyncio.to_thread(sender_leases.release_gone, self.engine, self.liveness)
        except Exception as exc:
            log.warning("sender=%s: không ghi được dấu hiệu đang chạy (%s)", self.name, one_line(exc, clean=redact))
            return
        for name in gone:
            log.warning("sender=%s: tiến trình gửi %s không còn chạy; các tin nó đang giữ trở lại hàng đợi",
                        self.name, name)

    async def _beat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_EVERY)
            if not stop.is_set():
                await self._beat_once()

    async def _loop(self, stop: asyncio.Event, idle_wait: float) -> None:
        # A failing step (the database gone) is logged once when it starts failing and once when it works
        # again, with the error's first line only (never SQL or its parameters), and retried after a wait
        # that doubles from idle_wait up to FAILING_WAIT_MAX.
        failing_wait = 0.0
        while not stop.is_set():
            try:
                busy = await self.send_one()
            except Exception as exc:
                if not failing_wait:
                    log.error("sender=%s: không làm việc được với cơ sở dữ liệu (%s); thử lại, chờ tăng dần tới "
                              "%d giây", self.name, one_line(exc, clean=redact), FAILING_WAIT_MAX)
                failing_wait = min(max(failing_wait * 2, idle_wait), FAILING_WAIT_MAX)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), failing_wait)
                continue
            if failing_wait:
                log.info("sender=%s: cơ sở dữ liệu dùng được trở lại; tiếp tục gửi", self.name)
                failing_wait = 0.0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_wait)

    def _route(self, delivery: outbox.Delivery) -> tuple[Channel, str]:
        # A chat bound through a ward's own bot is written to through that bot only (tracker.chat_address).
        address = ChatAddress.parse(delivery.external_id or "")
        channel = self.channels.get(bot_name(delivery.channel, address.ward))
        if delivery.external_id is None or channel is None:
            who = f"người nhận số {delivery.person_id}" if delivery.person_id else "không rõ người nhận"
            return self.log_channel, f"{who} ({delivery.kind})"
        return channel, address.chat_id

    async def _send(self, delivery: outbox.Delivery, channel: Channel, chat: str) -> ChannelError | None:
        paced = channel is not self.log_channel
        try:
            if paced:
                await self.limiter.acquire(channel.name, chat)
            try:
                buttons = tuple(tuple(Button(label, data) for label, data in row) for row in delivery.buttons)
                await asyncio.wait_for(channel.send(chat, delivery.body, buttons), self.send_timeout)
            finally:
                if paced:  # the platform has it, or never will: the pace counts it from now
                    await self.limiter.done(channel.name, chat)
        except ChannelError as exc:
            if exc.retry_after and channel is not self.log_channel:
                # Flood control is the bot's, not the chat's: every chat of the channel waits.
                self.limiter.pause(channel.name, exc.retry_after)
            return exc
        except TimeoutError:
            return ChannelError(f"kênh không trả lời sau {self.send_timeout:g} giây", retryable=True)
        except Exception as exc:
            log.error("notification=%s: unexpected %s from channel %s\n%s", delivery.notification_id,
                      type(exc).__name__, channel.name, _traceback(exc))
            return ChannelError(f"lỗi không lường trước ({type(exc).__name__}): {exc}", retryable=True)
        return None

    def _record(self, delivery: outbox.Delivery, error: ChannelError | None) -> _Outcome:
        row = delivery.notification_id
        if error is None:
            self._in_session(outbox.mark_sent, clock=self.clock, notification_id=row, sender=self.name)
            return _Outcome("sent")
        message = redact(str(error))
        if isinstance(error, ChatMoved) and delivery.external_id is not None:
            moved = self._in_session(outbox.move_chat, clock=self.clock, notification_id=row,
                                     channel=delivery.channel, external_id=delivery.external_id,
                                     new_external_id=through_bot_of(ChatAddress.parse(delivery.external_id).ward,
                                                                    error.new_external_id),
                                     error=message, sender=self.name)
            return _Outcome("moved" if moved else "unreachable", message)
        if error.unreachable and delivery.external_id is not None:
            self._in_session(outbox.mark_unreachable, clock=self.clock, notification_id=row,
                             channel=delivery.channel, external_id=delivery.external_id, error=message)
            return _Outcome("unreachable", message)
        if error.retryable:
            again = self._in_session(outbox.mark_retry, clock=self.clock, notification_id=row, error=message,
                                     delay=self.retry_delay(delivery.attempts, error.retry_after), sender=self.name)
            return _Outcome("retry" if again else "failed", message)
        self._in_session(outbox.mark_failed, notification_id=row, error=message, sender=self.name)
        return _Outcome("failed", message)

    def retry_delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """How long to wait before the next try after `attempts` tries: exponential from backoff_base,
        capped at backoff_max, and never sooner than the channel's own retry_after."""
        backoff = min(self.backoff_base * 2 ** min(max(attempts - 1, 0), 30), self.backoff_max)
        return max(backoff, timedelta(seconds=retry_after or 0))

    def _in_session(self, use_case: Callable[..., Any], **kwargs: Any) -> Any:
        with Session(self.engine, expire_on_commit=False) as session:
            return use_case(session, **kwargs)
