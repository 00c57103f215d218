"""The ward's working days: weekends, Vietnam's public holidays (Tết, 2/9, substitute days), and the
ward's own extra days off and make-up working days."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from tracker.config.ward import PolicyConfig
from tracker.workdays import WorkCalendar

CALENDAR = WorkCalendar()


def test_weekends_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2026, 5, 15))  # Friday
    assert not CALENDAR.is_working_day(date(2026, 5, 16))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 5, 17))  # Sunday
    assert CALENDAR.is_working_day(date(2026, 5, 18))  # Monday


def test_tet_2026_is_read_from_the_holidays_package() -> None:
    vietnam = holidays.country_holidays("VN", years=2026, language="vi")
    tet = [day for day, name in vietnam.items() if name == "Tết Nguyên Đán"]
    assert CALENDAR.lunar_new_year(2026) == tet[0] == date(2026, 2, 17)
    for day in (date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 20)):  # giao thừa to mùng bốn
        assert not CALENDAR.is_working_day(day), day
    assert CALENDAR.is_working_day(date(2026, 2, 23))
    assert CALENDAR.lunar_new_year(2027) == date(2027, 2, 6)


def test_independence_day_is_a_holiday() -> None:
    assert not CALENDAR.is_working_day(date(2026, 9, 2))
    assert CALENDAR.holiday_name(date(2026, 9, 2)) == "Quốc khánh"


def test_substitute_days_off_and_their_make_up_saturdays() -> None:
    # 2026: Monday 31/8 is given off in exchange for Saturday 22/8; Monday 27/4 makes up for Sunday 26/4.
    assert not CALENDAR.is_working_day(date(2026, 8, 31))
    assert CALENDAR.is_working_day(date(2026, 8, 22))
    assert not CALENDAR.is_working_day(date(2026, 4, 27))


def test_extra_days_off_and_make_up_working_days_of_the_ward() -> None:
    ward = WorkCalendar(extra_days_off=[date(2026, 5, 18)], extra_working_days=[date(2026, 5, 16)])
    assert not ward.is_working_day(date(2026, 5, 18))
    assert ward.is_working_day(date(2026, 5, 16))
    assert CALENDAR.is_working_day(date(2026, 5, 18))  # other calendars are not touched


def test_the_calendar_comes_from_the_policy_file_or_the_stored_dict() -> None:
    policy = PolicyConfig(extra_days_off=[date(2026, 5, 18)], extra_working_days=[date(2026, 5, 16)])
    for source in (policy, policy.model_dump(mode="json")):
        ward = WorkCalendar.from_policy(source)
        assert not ward.is_working_day(date(2026, 5, 18))
        assert ward.is_working_day(date(2026, 5, 16))
    assert WorkCalendar.from_policy({}).is_working_day(date(2026, 5, 18))


def test_adding_working_days_skips_a_holiday() -> None:
    # Wednesday 29/4/2026 + 1: 30/4 and 1/5 are holidays, then a weekend.
    assert CALENDAR.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    assert CALENDAR.add_working_days(date(2026, 4, 29), 3) == date(2026, 5, 6)


def test_adding_zero_working_days_stays_or_moves_to_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 5, 15), 0) == date(2026, 5, 15)
    assert CALENDAR.add_working_days(date(2026, 5, 16), 0) == date(2026, 5, 18)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 5, 15), -1)


def test_a_deadline_on_a_sunday_is_treated_as_the_friday_before() -> None:
    assert CALENDAR.working_day_on_or_before(date(2026, 5, 17)) == date(2026, 5, 15)
    assert CALENDAR.working_day_on_or_before(date(2026, 5, 15)) == date(2026, 5, 15)
    # Sunday 3/5/2026: Friday 1/5 and Thursday 30/4 are holidays.
    assert CALENDAR.working_day_on_or_before(date(2026, 5, 3)) == date(2026, 4, 29)


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert CALENDAR.working_days_between(date(2026, 5, 15), date(2026, 5, 18)) == 1
    assert CALENDAR.working_days_between(date(2026, 4, 29), date(2026, 5, 6)) == 3
    assert CALENDAR.working_days_between(date(2026, 5, 18), date(2026, 5, 18)) == 0
    assert CALENDAR.working_days_between(date(2026, 5, 18), date(2026, 5, 11)) == 0


def test_add_and_between_agree_over_a_year() -> None:
    start = date(2026, 1, 2)
    for n in (1, 5, 20, 60, 200):
        end = CALENDAR.add_working_days(start, n)
        assert CALENDAR.working_days_between(start, end) == n
        assert CALENDAR.is_working_day(end)
        assert CALENDAR.working_day_on_or_before(end) == end
        assert CALENDAR.working_days_between(start, end - timedelta(days=1)) == n - 1


def test_a_year_the_package_does_not_know_has_no_tet() -> None:
    with pytest.raises(ValueError):
        CALENDAR.lunar_new_year(2500)
