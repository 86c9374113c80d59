"""Typed reading of a parsed YAML mapping that records every problem with its key path.

The one reader of zdsync's configuration: the ``rules:`` section and the worker's own
sections (``sync/config_file.py``) are both read with ``Section``, so every problem reads
the same way ("unknown key; known keys: a, b", "expected one of a, b, got 'x'").

A configuration file with five mistakes should be fixed in one go, so nothing here
raises: each reader returns the default after recording (key path, message), and the
caller decides at the end whether the problems list is empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from reprlib import Repr
from typing import Any, TypeGuard, overload

from rules.actions import is_tag
from rules.calendar import Span
from rules.template import template_problem

Problems = list[tuple[str, str]]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DURATION_HINT = "expected a duration like '2h', '90m' or '1h30m'"
# A wrong value is quoted in the message; a whole list pasted in the wrong place is cut short.
_QUOTE = Repr()
_QUOTE.maxstring = _QUOTE.maxother = 80
_QUOTE.maxlist = _QUOTE.maxdict = 4


def shown(value: object) -> str:
    """A value as a problem message quotes it: ``'yesterday'``, ``-4``, ``nothing``."""
    return "nothing" if value is None else _QUOTE.repr(value)


def unknown_key(known: Iterable[str]) -> str:
    return f"unknown key; known keys: {', '.join(sorted(known))}"


def expected_one_of(choices: Iterable[str], value: object) -> str:
    """The message for a value outside a fixed set; ``choices`` in the order to show."""
    return f"expected one of {', '.join(choices)}, got {shown(value)}"


class Section:
    """One mapping of the file (``rules.hand_back``), read key by key.

    ``path`` is the key path of the mapping; the empty path is the top of the file."""

    def __init__(
        self, value: object, path: str, known: Collection[str], problems: Problems
    ) -> None:
        self.path = path
        self.problems = problems
        self.values: Mapping[str, Any] = {}
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.report(path, f"expected a mapping, got {shown(value)}")
            return
        self.values = value
        for key in value:
            if key not in known:
                self.report(self.at(key), unknown_key(known))

    def at(self, key: object) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def report(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def child(self, key: str, known: Collection[str]) -> Section:
        return Section(self.values.get(key), self.at(key), known, self.problems)

    def entries(self, key: str, known: Collection[str], *, what: str) -> list[Section] | None:
        """A non-empty list of mappings (``partners[1]``); None when absent or unusable."""
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.report(self.at(key), f"expected a non-empty list of {what}, got {shown(value)}")
            return None
        return [
            Section(item, f"{self.at(key)}[{index}]", known, self.problems)
            for index, item in enumerate(value)
        ]

    def given(self, key: str) -> bool:
        return self.values.get(key) is not None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.values.get(key, default)
        if isinstance(value, bool):
            return value
        self.report(self.at(key), f"expected true or false, got {shown(value)}")
        return default

    @overload
    def whole_number(self, key: str, default: int) -> int: ...
    @overload
    def whole_number(self, key: str, default: None = None) -> int | None: ...
    def whole_number(self, key: str, default: int | None = None) -> int | None:
        """A positive whole number; without a default the key is required."""
        value = self.values.get(key, default)
        if _is_positive_int(value):
            return value
        self.report(self.at(key), f"expected a positive whole number, got {shown(value)}")
        return default

    def optional_id(self, key: str, default: int | None = None) -> int | None:
        value = self.values.get(key, default)
        if value is None or _is_positive_int(value):
            return value
        self.report(self.at(key), f"expected a Zendesk id (a positive number), got {shown(value)}")
        return default

    def seconds(self, key: str, default: float) -> float:
        value = self.values.get(key, default)
        if not isinstance(value, bool) and isinstance(value, int | float) and value > 0:
            return float(value)
        self.report(self.at(key), f"expected a number of seconds > 0, got {shown(value)}")
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

    def instant(self, key: str, default: datetime) -> datetime:
        """A date or time (YAML's own, or an ISO-8601 text); without a zone it is UTC."""
        value = self.values.get(key)
        if value is None:
            return default
        moment = parse_instant(value)
        if moment is None:
            self.report(self.at(key), f"expected an ISO-8601 date or time, got {shown(value)}")
            return default
        return moment

    def choice(self, key: str, default: str, choices: Collection[str]) -> str:
        value = self.values.get(key, default)
        if isinstance(value, str) and value in choices:
            return value
        self.report(self.at(key), expected_one_of(sorted(choices), value))
        return default

    def text(self, key: str, default: str, allowed: Collection[str] = ()) -> str:
        """A non-empty text; a template when ``allowed`` names its placeholders."""
        value = self.values.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.report(self.at(key), f"expected a non-empty text, got {shown(value)}")
            return default
        problem = template_problem(value, allowed)
        if problem:
            self.report(self.at(key), problem)
            return default
        return value

    def required_text(self, key: str) -> str | None:
        """A non-empty text that must be given (a name), without surrounding spaces."""
        value = self.values.get(key)
        if not isinstance(value, str) or not value.strip():
            self.report(self.at(key), f"expected a non-empty text, got {shown(value)}")
            return None
        return value.strip()

    def tag(self, key: str, default: str) -> str:
        value = self.values.get(key, default)
        if is_tag(value):
            return str(value)
        self.report(self.at(key), f"expected a Zendesk tag (one word), got {shown(value)}")
        return default

    def tags(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.values.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(is_tag(tag) for tag in value):
            self.report(self.at(key), f"expected a list of Zendesk tags, got {shown(value)}")
            return default
        return tuple(value)


def _is_positive_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


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


def parse_instant(value: object) -> datetime | None:
    """A ``datetime``/``date`` or an ISO-8601 text as an aware datetime (UTC if no zone);
    None if unreadable, an impossible day such as 2025-02-30 included."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def parse_date(value: object) -> date | None:
    """A ``date`` or an ISO-8601 day (``2025-12-25``); None if unreadable or impossible."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


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
