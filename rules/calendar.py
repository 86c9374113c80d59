"""Business hours: a weekly calendar in a time zone, minus holidays.

The hand-back rule may count its two hours in business hours only, so a ticket handed to
a partner on Friday at 16:00 is due on Monday morning, not on Friday evening. Opening
hours are wall-clock times in the calendar's time zone (zoneinfo), so a daylight-saving
change moves them with the clock, as people expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: A span of one day in minutes after local midnight: (opens, closes), 0 <= opens < closes <= 1440.
Span = tuple[int, int]

#: How far ``reach`` looks ahead before it gives up (a calendar of only holidays).
HORIZON_DAYS = 800

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening hours per weekday (Monday first) in ``timezone``, closed on ``holidays``."""

    timezone: str
    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError(f"business hours need 7 weekdays, got {len(self.week)}")
        for day, spans in zip(WEEKDAYS, self.week, strict=True):
            for opens, closes in spans:
                if not 0 <= opens < closes <= 1440:
                    raise ValueError(f"business hours on {day}: {opens}-{closes} is not a span")
        if not any(self.week):
            raise ValueError("business hours are empty: no weekday has opening hours")
        ZoneInfo(self.timezone)  # fails here, with the name, rather than mid-decision

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two aware instants (zero when ``end`` is not after ``start``)."""
        total = timedelta()
        if end <= start:
            return total
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        while day <= last:
            for opens, closes in self._open_spans(day, zone):
                low, high = max(opens, start), min(closes, end)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def reach(self, start: datetime, duration: timedelta) -> datetime | None:
        """The instant at which ``duration`` of business time has passed since ``start``.

        None when the calendar has no such instant within ``HORIZON_DAYS`` (for instance
        when every open day is a holiday).
        """
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        left = duration
        for _ in range(HORIZON_DAYS):
            for opens, closes in self._open_spans(day, zone):
                low = max(opens, start)
                if closes <= low:
                    continue
                if closes - low >= left:
                    return low + left
                left -= closes - low
            day += timedelta(days=1)
        return None

    def _open_spans(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The day's opening hours as UTC instants (so subtraction ignores wall-clock jumps)."""
        if day in self.holidays:
            return []
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        return [
            (_utc(midnight, opens), _utc(midnight, closes))
            for opens, closes in self.week[day.weekday()]
        ]


def _utc(midnight: datetime, minutes: int) -> datetime:
    # Wall-clock arithmetic on purpose: "08:30" stays 08:30 on a daylight-saving day.
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)
