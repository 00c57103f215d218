"""The injected clock: domain code never reads the wall clock itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant as an aware datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta


def local_today(clock: Clock, tz: ZoneInfo = WARD_TZ) -> date:
    """The ward's calendar day at the clock's instant."""
    return clock.now().astimezone(tz).date()

