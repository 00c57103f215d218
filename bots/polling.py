"""What the chat bots' receiving loops share: how long to wait after failures, and how to send a reply that
may fail for a reason worth retrying."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bots.channels import ChannelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollingOptions:
    """`timeout`: seconds a long-polling call waits for an update. After a failed call the loop waits
    `backoff` seconds, doubled after each further failure up to `max_backoff`. A dialog failure is tried
    again up to `attempts` times; then the person is told to try later and the loop moves on. A reply that
    fails to send for a retryable reason is tried `attempts` times too."""

    timeout: float = 30.0
    backoff: float = 1.0
    max_backoff: float = 60.0
    attempts: int = 3

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` (1 or more) failures in a row."""
        return min(self.max_backoff, self.backoff * 2 ** max(0, failures - 1))


async def send_with_retries(send: Callable[[], Awaitable[object]], options: PollingOptions, platform: str) -> bool:
    """Run `send` until it succeeds, at most `options.attempts` times, waiting the channel's retry_after
    (else the backoff) after a retryable ChannelError. Returns whether it was sent; a permanent error or
    the last failure is logged (without the text), never raised."""
    for attempt in range(1, options.attempts + 1):
        try:
            await send()
            return True
        except ChannelError as exc:
            if not exc.retryable or attempt == options.attempts:
                log.warning("Không gửi được trả lời qua %s: %s", platform, exc)
                return False
            await asyncio.sleep(exc.retry_after or options.delay(attempt))
    return False
