"""Vietnamese working days: Monday to Friday, minus the public holidays (Tết and the substitute days
included, from the `holidays` package), minus the ward's extra days off, plus its make-up working days."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.config.ward import PolicyConfig

_COUNTRY = "VN"
# The holiday of Tết's first day, by its Vietnamese name in the package ("Mùng hai Tết Nguyên Đán" is day 2).
_TET_NAME = "tết nguyên đán"


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Vietnam's public holidays of `year` by Vietnamese name, and the weekend days the government
    turned into working days to make up for a substitute day off (e.g. Saturday 22/8/2026)."""
    import holidays  # a fifth of a second to import: the command line's `deadline` should not wait for it

    calendar = holidays.country_holidays(_COUNTRY, years=year, language="vi")
    days = {day: unicodedata.normalize("NFC", name) for day, name in calendar.items()}
    make_up = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return days, make_up


class WorkCalendar:
    """Which days the ward's offices work.

    A day is a working day when it is one of `extra_working_days` (a make-up Saturday the ward
    decided); otherwise it is not when it is one of `extra_days_off` or a Vietnamese public holiday;
    otherwise it is when the government made it a make-up working day, or when it is Monday to Friday.
    Holidays are read once per year and shared by every calendar."""

    def __init__(self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)

    @classmethod
    def from_policy(cls, policy: PolicyConfig | Mapping[str, Any] | None) -> WorkCalendar:
        """The calendar of a ward's policy: a PolicyConfig, or the dict kept in Organization.policy
        (dates as ISO strings or dates; missing keys mean none)."""
        if policy is None:
            return cls()
        if isinstance(policy, Mapping):
            return cls(_dates(policy.get("extra_days_off")), _dates(policy.get("extra_working_days")))
        return cls(policy.extra_days_off, policy.extra_working_days)

    def holiday_name(self, day: date) -> str | None:
        """The Vietnamese name of the public holiday on `day`, or None."""
        return _public_holidays(day.year)[0].get(day)

    def is_working_day(self, day: date) -> bool:
        """True when the ward's offices work on `day`."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        public, make_up = _public_holidays(day.year)
        if day in public:
            return False
        return day in make_up or day.weekday() < 5

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 0). With n == 0: `day` itself when it is a working
        day, else the next working day. Raises ValueError for a negative n."""
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        current = day
        if n == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        while n > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def working_day_on_or_before(self, day: date) -> date:
        """`day` when it is a working day, else the last working day before it: a deadline on a
        weekend or a holiday is treated as due on the working day before."""
        current = day
        while not self.is_working_day(current):
            current -= timedelta(days=1)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: 0 when end <= start. The number of working
        days a task is overdue on `end` when it was due on `start`."""
        count = 0
        current = start + timedelta(days=1)
        while current <= end:
            count += self.is_working_day(current)
            current += timedelta(days=1)
        return count

    def lunar_new_year(self, year: int) -> date:
        """The first day of Tết (Tết Nguyên Đán) in Gregorian `year`, from the holidays package's
        Vietnamese calendar. Raises ValueError for a year the package does not cover."""
        for day, name in _public_holidays(year)[0].items():
            if name.casefold() == _TET_NAME:
                return day
        raise ValueError(f"no Tết Nguyên Đán known for {year}")


def _dates(values: Any) -> list[date]:
    if not values:
        return []
    return [v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values]


class WorkingDayCounter:
    """Working days in (start, day] for many starts at once: one pass over the calendar per ward instead of
    one per task."""

    def __init__(self, calendar: WorkCalendar, first: date, day: date) -> None:
        self.day = day
        self._before: dict[date, int] = {}
        count, current = 0, day
        while current >= first:
            self._before[current] = count
            count += calendar.is_working_day(current)
            current -= timedelta(days=1)

    def since(self, start: date) -> int:
        """How many working days lie in (start, day]: the working days a task due on `start` is overdue."""
        return self._before.get(start, 0) if start < self.day else 0
