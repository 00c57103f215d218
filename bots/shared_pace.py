"""The bots' rate limits shared by every process of the service (tracker/send_pace.py keeps the window in
the database), with the interface of bots/ratelimit.py's RateLimiter, so that the outbox sender and the
chat bots take either."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.engine import Engine

from tracker.clock import Clock
from tracker.send_pace import TELEGRAM_PACE, Pace, finish_send_slot, pause_bot, take_send_slot

log = logging.getLogger("bots.pace")

Sleep = Callable[[float], Awaitable[None]]


class Limiter(Protocol):
    """What the sender and the bots ask of a rate limiter: `acquire` before a send, `done` after it (whether
    it was delivered or not)."""

    async def acquire(self, channel: str, chat: str) -> float: ...

    async def done(self, channel: str, chat: str) -> None: ...

    def pause(self, channel: str, seconds: float) -> None: ...

    def paused_until(self, channel: str) -> float: ...


class SharedRateLimiter:
    """Every process's sends through a channel's bot counted together: `acquire` waits until the shared
    window has room (tracker.send_pace.take_send_slot) and takes the slot; `pause` holds the bot for every
    process. `bot_key(channel)` names the bot a channel sends with (by default the channel's name: one bot
    per channel in a deployment). Reads time from `clock` (the wall clock in service: the window is in real
    seconds, whatever instant the service runs "as of")."""

    def __init__(self, engine: Engine, clock: Clock, *, pace: Pace = TELEGRAM_PACE, sleep: Sleep = asyncio.sleep,
                 bot_key: Callable[[str], str] = str) -> None:
        self.engine, self.clock, self.pace, self.sleep, self.bot_key = engine, clock, pace, sleep, bot_key
        self._paused: dict[str, float] = {}
        self._pausing: set[asyncio.Task[None]] = set()
        self._taken: dict[tuple[str, str], deque[int]] = {}

    async def acquire(self, channel: str, chat: str) -> float:
        """Wait until a message to `chat` through `channel` fits every process's window, and take the slot;
        `done` gives it its end. Returns the seconds waited. Raises what the database raises."""
        waited = 0.0
        while True:
            answer = await asyncio.to_thread(take_send_slot, self.engine, self.clock, bot=self.bot_key(channel),
                                             chat=chat, pace=self.pace)
            if answer.slot is not None:
                self._taken.setdefault((channel, chat), deque()).append(answer.slot)
                return waited
            await self.sleep(answer.wait)
            waited += answer.wait

    async def done(self, channel: str, chat: str) -> None:
        """The send to `chat` that the oldest unfinished `acquire` allowed has ended. A database that fails
        here is logged: the slot then counts as in flight for a minute, which slows, never speeds, the bot."""
        taken = self._taken.get((channel, chat))
        if not taken:
            return
        slot = taken.popleft()
        if not taken:
            del self._taken[(channel, chat)]
        try:
            await asyncio.to_thread(finish_send_slot, self.engine, self.clock, slot=slot)
        except Exception as exc:
            log.warning("Không ghi được lượt gửi của kênh %s: %s", channel, type(exc).__name__)

    def pause(self, channel: str, seconds: float) -> None:
        """The platform asked the bot to wait `seconds`: this process knows at once (`paused_until`), the
        others at their next `acquire`, once the pause is written (in the background: the caller is in the
        event loop)."""
        until = self.clock.now().timestamp() + seconds
        self._paused[channel] = max(self._paused.get(channel, 0.0), until)
        task = asyncio.get_running_loop().create_task(self._share_pause(channel, seconds))
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)

    def paused_until(self, channel: str) -> float:
        """Until when (a timestamp) this process knows `channel` to be paused; 0 when it is not."""
        until = self._paused.get(channel, 0.0)
        return until if until > self.clock.now().timestamp() else 0.0

    async def _share_pause(self, channel: str, seconds: float) -> None:
        try:
            await asyncio.to_thread(pause_bot, self.engine, self.clock, bot=self.bot_key(channel), seconds=seconds)
        except Exception as exc:  # the pause still holds here; the others learn it from the platform
            log.warning("Không ghi được lệnh tạm dừng của kênh %s: %s", channel, type(exc).__name__)
