"""Typed reading of a parsed YAML mapping that records every problem with its key path.

A configuration file with five mistakes should be fixed in one go, so nothing here
raises: each reader returns the default after recording (key path, message), and the
caller decides at the end whether the problems list is empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.actions import is_tag
from rules.calendar import WEEKDAYS, BusinessHours, Span
from rules.template import template_problem

Problems = list[tuple[str, str]]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DURATION_HINT = "expected a duration like '2h', '90m' or '1h30m'"


class Section:
    """One mapping of the file (``rules.hand_back``), read key by key."""

    def __init__(
        self, value: object, path: str, known: Collection[str], problems: Problems
    ) -> None:
        self.path = path
        self.problems = problems
        self.values: Mapping[str, Any] = {}
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.report(path, f"expected a mapping, got {_kind(value)}")
            return
        self.values = value
        for key in value:
            if key not in known:
                self.report(self.at(key), f"unknown key; known keys: {', '.join(sorted(known))}")

    def at(self, key: object) -> str:
        return f"{self.path}.{key}"

    def report(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def child(self, key: str, known: Collection[str]) -> Section:
        return Section(self.values.get(key), self.at(key), known, self.problems)

    def given(self, key: str) -> bool:
        return self.values.get(key) is not None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.values.get(key, default)
        if isinstance(value, bool):
            return value
        self.report(self.at(key), f"expected true or false, got {_kind(value)}")
        return default

    def optional_id(self, key: str, default: int | None = None) -> int | None:
        value = self.values.get(key, default)
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            return value
        self.report(self.at(key), f"expected a Zendesk id (a positive number), got {value!r}")
        return default

    def duration(self, key: str, default: timedelta) -> timedelta:
        value = self.values.get(key)
        if value is None:
            if key in self.values:
                self.report(self.at(key), DURATION_HINT)
            return default
        return self._duration(key, value) or default

    def optional_duration(self, key: str, default: timedelta | None) -> timedelta | None:
        if key in self.values and self.values[key] is None:
            return None
        value = self.values.get(key)
        return default if value is None else self._duration(key, value) or default

    def _duration(self, key: str, value: object) -> timedelta | None:
        seconds = parse_seconds(value)
        if seconds is None or seconds <= 0:
            self.report(self.at(key), DURATION_HINT)
            return None
        return timedelta(seconds=seconds)

    def choice(self, key: str, default: str, choices: Collection[str]) -> str:
        value = self.values.get(key, default)
        if value in choices:
            return str(value)
        self.report(self.at(key), f"expected one of {', '.join(sorted(choices))}, got {value!r}")
        return default

    def text(self, key: str, default: str, allowed: Collection[str] = ()) -> str:
        value = self.values.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.report(self.at(key), f"expected a non-empty text, got {_kind(value)}")
            return default
        problem = template_problem(value, allowed)
        if problem:
            self.report(self.at(key), problem)
            return default
        return value

    def tag(self, key: str, default: str) -> str:
        value = self.values.get(key, default)
        if is_tag(value):
            return str(value)
        self.report(self.at(key), f"expected a Zendesk tag (one word), got {value!r}")
        return default

    def tags(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.values.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(is_tag(tag) for tag in value):
            self.report(self.at(key), f"expected a list of Zendesk tags, got {value!r}")
            return default
        return tuple(value)


def parse_seconds(value: object) -> int | None:
    """Seconds of ``7200``, ``"2h"``, ``"90m"``, ``"1h30m"``, ``"1d"``; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.replace(" ", "").lower())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_DAY = "09:00-17:00"


def read_business_hours(section: Section, key: str) -> BusinessHours | None:
    """``business_hours:`` of the hand-back rule: null/false (off), true (defaults) or a
    mapping of timezone, week and holidays."""
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


def parse_spans(value: object) -> tuple[Span, ...] | None:
    """``"08:00-12:00, 13:00-17:00"`` (or a list of such) as minute spans; None if unreadable."""
    if value is None:
        return ()
    parts = value if isinstance(value, list) else str(value).split(",")
    spans: list[Span] = []
    for part in parts:
        bounds = str(part).strip().split("-")
        if len(bounds) != 2:
            return None
        opens, closes = _minutes(bounds[0]), _minutes(bounds[1])
        if opens is None or closes is None or not opens < closes:
            return None
        spans.append((opens, closes))
    spans.sort()
    if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
        return None  # overlapping spans would count the same minutes twice
    return tuple(spans)


def _minutes(clock: str) -> int | None:
    match = _CLOCK.match(clock.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _read_holidays(hours: Section) -> frozenset[date] | None:
    value = hours.values.get("holidays") or []
    if not isinstance(value, list):
        hours.report(hours.at("holidays"), "expected a list of dates like 2025-12-25")
        return None
    days: set[date] = set()
    for index, item in enumerate(value):
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            hours.report(f"{hours.at('holidays')}[{index}]", f"expected a date, got {item!r}")
            return None
    return frozenset(days)


def _kind(value: object) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"
