"""Business hours: a weekly calendar in a time zone, with holidays and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.calendar import BusinessHours
from rules.config_reader import parse_spans

AMS = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE = parse_spans("09:00-17:00") or ()
LUNCH_BREAK = parse_spans("09:00-12:00, 13:00-17:00") or ()
OFFICE = BusinessHours("Europe/Amsterdam", (NINE_TO_FIVE,) * 5 + ((), ()))


def ams(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    """A wall-clock time in Amsterdam in 2025 (January 2025: the 6th is a Monday)."""
    return datetime(2025, month, day, hour, minute, tzinfo=AMS)


ELAPSED = [
    # (case, start, end, business time)
    ("within a day", ams(6, 10), ams(6, 12, 30), timedelta(hours=2, minutes=30)),
    ("before opening counts from 09:00", ams(6, 7), ams(6, 10), timedelta(hours=1)),
    ("overnight", ams(6, 16), ams(7, 10), timedelta(hours=2)),
    ("across a weekend", ams(10, 16), ams(13, 10), timedelta(hours=2)),
    ("a whole week", ams(6, 0), ams(13, 0), timedelta(hours=40)),
    ("inside the weekend", ams(11, 9), ams(12, 18), timedelta()),
    ("end before start", ams(6, 12), ams(6, 10), timedelta()),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"), [row[1:] for row in ELAPSED], ids=[row[0] for row in ELAPSED]
)
def test_elapsed(start: datetime, end: datetime, expected: timedelta) -> None:
    assert OFFICE.elapsed(start.astimezone(UTC), end.astimezone(UTC)) == expected


REACH = [
    # (case, start, duration, instant)
    ("same day", ams(6, 10), timedelta(hours=2), ams(6, 12)),
    ("Friday 16:00 plus 2h is Monday 10:00", ams(10, 16), timedelta(hours=2), ams(13, 10)),
    ("from Saturday", ams(11, 12), timedelta(hours=2), ams(13, 11)),
    ("before opening", ams(6, 7), timedelta(hours=2), ams(6, 11)),
    ("at closing time", ams(6, 17), timedelta(minutes=1), ams(7, 9, 1)),
    ("exactly the rest of the day", ams(6, 15), timedelta(hours=2), ams(6, 17)),
]


@pytest.mark.parametrize(
    ("start", "duration", "instant"), [row[1:] for row in REACH], ids=[row[0] for row in REACH]
)
def test_reach(start: datetime, duration: timedelta, instant: datetime) -> None:
    assert OFFICE.reach(start.astimezone(UTC), duration) == instant


def test_holidays_are_closed() -> None:
    hours = BusinessHours("Europe/Amsterdam", OFFICE.week, frozenset({date(2025, 1, 13)}))
    assert hours.reach(ams(10, 16), timedelta(hours=2)) == ams(14, 10)
    assert hours.elapsed(ams(10, 16), ams(14, 10)) == timedelta(hours=2)


def test_a_lunch_break_is_not_business_time() -> None:
    hours = BusinessHours("Europe/Amsterdam", (LUNCH_BREAK,) * 5 + ((), ()))
    assert hours.reach(ams(6, 11), timedelta(hours=2)) == ams(6, 14)
    assert hours.elapsed(ams(6, 11), ams(6, 14)) == timedelta(hours=2)


def test_opening_hours_follow_the_wall_clock_across_daylight_saving() -> None:
    # 30 March 2025: clocks go from 02:00 to 03:00 in Amsterdam; the day has 23 hours.
    always = BusinessHours("Europe/Amsterdam", (((0, 1440),),) * 7)
    start, end = ams(30, 0, month=3), ams(31, 0, month=3)
    assert always.elapsed(start, end) == timedelta(hours=23)
    office = BusinessHours("Europe/Amsterdam", (NINE_TO_FIVE,) * 7)
    assert office.reach(ams(29, 16, month=3), timedelta(hours=2)) == ams(30, 10, month=3)
    # 10:00 summer time (UTC+2) on Sunday, not 10:00 winter time.
    assert office.reach(ams(29, 16, month=3), timedelta(hours=2)) == datetime(
        2025, 3, 30, 8, 0, tzinfo=UTC
    )


def test_reach_and_elapsed_agree() -> None:
    hours = BusinessHours(
        "Europe/Amsterdam", (LUNCH_BREAK,) * 5 + ((), ()), frozenset({date(2025, 1, 8)})
    )
    for start_hour in range(0, 24 * 9, 5):
        start = datetime(2025, 1, 4, tzinfo=UTC) + timedelta(hours=start_hour, minutes=7)
        for minutes in (1, 59, 120, 600, 2400):
            instant = hours.reach(start, timedelta(minutes=minutes))
            assert instant is not None
            assert hours.elapsed(start, instant) == timedelta(minutes=minutes)
            assert hours.elapsed(start, instant - timedelta(seconds=1)) < timedelta(minutes=minutes)


def test_a_calendar_closed_for_years_never_reaches() -> None:
    mondays = frozenset(date(2025, 1, 6) + timedelta(weeks=n) for n in range(200))
    hours = BusinessHours("UTC", (NINE_TO_FIVE, (), (), (), (), (), ()), mondays)
    assert hours.reach(datetime(2025, 1, 1, tzinfo=UTC), timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("week", "timezone", "message"),
    [
        ((NINE_TO_FIVE,) * 6, "UTC", "7 weekdays"),
        ((((17 * 60, 9 * 60),),) + ((),) * 6, "UTC", "not a span"),
        (((),) * 7, "UTC", "empty"),
    ],
    ids=["six days", "backwards span", "no hours"],
)
def test_invalid_calendars(
    week: tuple[tuple[tuple[int, int], ...], ...], timezone: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours(timezone, week)


def test_unknown_time_zone() -> None:
    with pytest.raises(Exception, match="Mars"):
        BusinessHours("Mars/Base", OFFICE.week)
