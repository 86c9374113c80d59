"""``business_hours:`` of the hand-back rule: the calendar ``after`` is counted in."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.calendar import WEEKDAYS, BusinessHours, Span
from rules.config_reader import Section, parse_date, parse_spans, shown

DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_DAY = "09:00-17:00"


def read_business_hours(section: Section, key: str) -> BusinessHours | None:
    """null/false (off), true (the defaults) or a mapping of timezone, week and holidays."""
    value = section.values.get(key)
    if value is None or value is False:
        return None
    if value is True:
        value = {}
    known = len(section.problems)
    hours = Section(value, section.at(key), ("timezone", "week", "holidays"), section.problems)
    timezone = hours.text("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        hours.report(hours.at("timezone"), f"unknown time zone {timezone!r}")
    week = _read_week(hours)
    holidays = _read_holidays(hours)
    if week is not None and not any(week):
        hours.report(hours.at("week"), "no weekday has opening hours")
    if week is None or holidays is None or len(section.problems) > known:
        return None
    return BusinessHours(timezone, week, holidays)


def _read_week(hours: Section) -> tuple[tuple[Span, ...], ...] | None:
    default = dict.fromkeys(WEEKDAYS[:5], DEFAULT_DAY)
    known = len(hours.problems)
    week = Section(hours.values.get("week", default), hours.at("week"), WEEKDAYS, hours.problems)
    days: list[tuple[Span, ...]] = []
    for day in WEEKDAYS:
        spans = parse_spans(week.values.get(day))
        if spans is None:
            week.report(week.at(day), "expected opening hours like '09:00-17:00' or null")
        days.append(spans or ())
    return tuple(days) if len(hours.problems) == known else None


def _read_holidays(hours: Section) -> frozenset[date] | None:
    value = hours.values.get("holidays") or []
    if not isinstance(value, list):
        hours.report(hours.at("holidays"), "expected a list of dates like 2025-12-25")
        return None
    days: set[date] = set()
    for index, item in enumerate(value):
        day = parse_date(item)
        if day is None:
            hours.report(f"{hours.at('holidays')}[{index}]", f"expected a date, got {shown(item)}")
            return None
        days.add(day)
    return frozenset(days)
