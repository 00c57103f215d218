"""One poller per bot across every process of the service: the platform ends a long poll when another
starts (Telegram answers the older getUpdates with 409 Conflict), so processes sharing a token would keep
stealing each other's polls. The process holding the bot's poll lease (tracker/leases.py) polls, renewing
the lease as it goes; the others stand by and take over once the lease runs out (the holder died, or lost
the database). In webhook mode no lease is needed: every process may answer the posts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from tracker.clock import Clock
from tracker.leases import claim, release

log = logging.getLogger("bots.polling")

ROLE = "poll"
TTL = timedelta(seconds=20)  # a standby takes over at most TTL + STANDBY_EVERY after the holder's last renewal
RENEW_EVERY = 5.0  # seconds
STANDBY_EVERY = 5.0  # seconds


def bot_key(platform: str, token: str) -> str:
    """A bot's name in the leases and the logs, without its token: "telegram:1a2b3c4d" (the start of the
    token's SHA-256)."""
    return f"{platform}:{hashlib.sha256(token.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class PollLeases:
    """What a bot needs to take its poll lease: the database, the wall clock (the lease is a matter of real
    seconds, whatever instant the service runs "as of"), and this process's name as the lease's holder."""

    engine: Engine
    clock: Clock
    holder: str
    ttl: timedelta = TTL
    renew_every: float = RENEW_EVERY
    standby_every: float = STANDBY_EVERY

    async def claim(self, bot: str) -> bool:
        """Take or renew the lease of `bot`'s polling; False when another process holds it, or when the
        database cannot be reached (then this process must not poll: it cannot know it still holds it)."""
        try:
            return await asyncio.to_thread(claim, self.engine, self.clock, name=bot, role=ROLE, holder=self.holder,
                                           ttl=self.ttl)
        except Exception as exc:
            log.warning("Không giữ được quyền nhận tin của bot (%s): %s", bot, type(exc).__name__)
            return False

    async def release(self, bot: str) -> None:
        """Give the lease back at once, so that a standby takes over without waiting for it to run out."""
        with contextlib.suppress(Exception):
            await asyncio.to_thread(release, self.engine, self.clock, name=bot, role=ROLE, holder=self.holder)


async def poll_while_held(leases: PollLeases, bot: str, poll: Callable[[], Awaitable[None]],
                          sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Run `poll()` while this process holds `bot`'s poll lease, until cancelled: stand by while another
    holds it, stop polling the moment a renewal fails, and give the lease back when cancelled. Returns (or
    raises) when `poll()` does."""
    standing_by = False
    while True:
        if not await leases.claim(bot):
            if not standing_by:
                log.info("Bot %s: tiến trình khác đang nhận tin; tiến trình này chờ sẵn để thay.", bot)
                standing_by = True
            await sleep(leases.standby_every)
            continue
        standing_by = False
        log.info("Bot %s: tiến trình này nhận tin (%s).", bot, leases.holder)
        if not await _poll_until_lost(leases, bot, poll):
            return
        log.warning("Bot %s: mất quyền nhận tin; ngừng nhận tin và chờ sẵn.", bot)


async def _poll_until_lost(leases: PollLeases, bot: str, poll: Callable[[], Awaitable[None]]) -> bool:
    # True when the lease was lost (polling stopped, the caller stands by); False when poll() returned.
    polling = asyncio.ensure_future(poll())
    lost = False
    try:
        while not polling.done():
            await asyncio.wait({polling}, timeout=leases.renew_every)
            if not polling.done() and not await leases.claim(bot):
                lost = True
                return True
        polling.result()
        return False
    finally:
        if not polling.done():
            polling.cancel()
            # asyncio.wait, not `await polling` under suppress(CancelledError): that would also swallow a
            # cancellation of this task arriving meanwhile, and the service's stop would never end it.
            await asyncio.wait({polling})
            if not polling.cancelled() and polling.exception() is not None:
                log.warning("Bot %s: việc nhận tin dừng với lỗi %s", bot, type(polling.exception()).__name__)
        if not lost:
            await leases.release(bot)
