"""Waiting on a bot that runs in the test's event loop: for a condition, and for its task to stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


async def wait_for(condition: Callable[[], bool], task: asyncio.Task[None] | None = None) -> None:
    """Until `condition` holds; fails when `task` ended first or after 20 seconds (a guard, not a timing
    assertion)."""
    for _ in range(2_000):
        if condition():
            return
        if task is not None and task.done():
            task.result()
            raise AssertionError("the bot stopped early")
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def stopped(task: asyncio.Task[None]) -> None:
    """Cancel the bot's task and wait until it has finished what it had in hand."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
