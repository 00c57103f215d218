"""How fast one bot may send: spacing per channel and per chat, shared by everything that sends with the
same token (the outbox sender and the chat bots' replies)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tracker.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateLimits:
    """How many messages per second one bot may send: over the whole channel, and to one chat.
    The defaults are Telegram's documented limits (about 30 per second overall, 1 per second per chat)."""

    per_channel: float = 30.0
    per_chat: float = 1.0

    def __post_init__(self) -> None:
        if self.per_channel <= 0 or self.per_chat <= 0:
            raise ValueError("rate limits must be positive")


# A wait longer than this is a pause the platform asked for, not the spacing of the limits.
PAUSE_THRESHOLD = 2.0


class RateLimiter:
    """Spacing per channel and per (channel, chat), as token buckets of one token: no bursts. One chat never
    gets two messages closer than 1/per_chat; the channel keeps its cadence when a send comes up to half an
    interval late (so small delays do not add up and eat the rate), which is the only way two messages can
    come closer than 1/per_channel. Reads time from the injected clock and waits with `sleep`
    (asyncio.sleep in service; tests pass one that moves their fixed clock). Safe for several tasks on one
    event loop: checking and taking a slot happen with no await in between."""

    _EPSILON = 1e-6  # a clock with microsecond steps must not leave a sub-microsecond wait forever

    def __init__(self, limits: RateLimits, clock: Clock, sleep: Sleep = asyncio.sleep) -> None:
        self.limits, self.clock, self.sleep = limits, clock, sleep
        self._next: dict[Any, float] = {}

    async def acquire(self, channel: str, chat: str) -> float:
        """Wait until a message to `chat` through `channel` is allowed, and take the slot. Returns the
        seconds waited."""
        waited = 0.0
        while True:
            now = self.clock.now().timestamp()
            ready = max(self._next.get(channel, now), self._next.get((channel, chat), now))
            if ready - now <= self._EPSILON:
                self._take(channel, now, 1 / self.limits.per_channel, slack=0.5 / self.limits.per_channel)
                self._take((channel, chat), now, 1 / self.limits.per_chat, slack=0.0)
                return waited
            await self.sleep(ready - now)
            waited += ready - now

    async def done(self, channel: str, chat: str) -> None:
        """The send that `acquire` allowed has ended. Nothing to do here: this limiter spaces the starts of
        sends (bots/shared_pace.py, shared between processes, also counts how long each took)."""

    def pause(self, channel: str, seconds: float) -> None:
        """The platform asked the bot to wait `seconds` (flood control): no message goes through `channel`,
        to any chat, before then. Other channels are not held up."""
        now = self.clock.now().timestamp()
        self._next[channel] = max(self._next.get(channel, now), now + seconds)

    def paused_until(self, channel: str) -> float:
        """Until when (a timestamp) `channel` is paused by `pause`; 0 when it is not."""
        ready = self._next.get(channel, 0.0)
        return ready if ready - self.clock.now().timestamp() > PAUSE_THRESHOLD else 0.0

    def _take(self, key: Any, now: float, interval: float, slack: float) -> None:
        previous = self._next.get(key)
        self._next[key] = (now if previous is None else max(previous, now - slack)) + interval
        if len(self._next) > 10_000:
            self._next = {k: v for k, v in self._next.items() if v > now}
