"""Values of a scenario file: positions for error messages and times.

Times are relative to the emulator clock's start (``-2h30m``, ``+5m``, ``now``, a number
of seconds) or absolute ISO-8601 instants.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.errors import EmulatorError
from emulator.specs import When

_RELATIVE = re.compile(r"^([+-])?((?:\d+(?:\.\d+)?[dhms])+)$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class ScenarioError(EmulatorError):
    """A scenario that cannot be loaded; the message names the file and the key path."""


class Where:
    """A position in the scenario, for error messages."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source = source
        self.path = path

    def key(self, key: str) -> Where:
        return Where(self.source, f"{self.path}.{key}" if self.path else key)

    def fail(self, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self.path or '<top>'}: {problem}")

    def mapping(self, value: Any, key: str | None = None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            where = self.key(key) if key else self
            raise where.fail(f"expected a mapping, got {value!r}")
        return value

    def reject_unknown(self, data: Mapping[str, Any], known: set[str], key: str = "") -> None:
        """The first unknown key, at its own path; worded as zdsync's config reader does."""
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            where = self.key(key) if key else self
            known_keys = ", ".join(sorted(known))
            raise where.key(unknown[0]).fail(f"unknown key; known keys: {known_keys}")

    def choice(
        self, data: Mapping[str, Any], key: str, default: str | None, choices: Collection[str]
    ) -> str:
        """One of ``choices`` (``default`` when absent; None: the key is required)."""
        value = data.get(key, default)
        if not isinstance(value, str) or value not in choices:
            listed = ", ".join(sorted(choices))
            raise self.key(key).fail(f"expected one of {listed}, got {value!r}")
        return str(value)

    def integer(self, data: Mapping[str, Any], key: str) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.key(key).fail(f"expected an integer, got {value!r}")
        return value

    def optional_integer(self, data: Mapping[str, Any], key: str) -> int | None:
        return None if data.get(key) is None else self.integer(data, key)


def relative_or_absolute(value: Any, at: Where) -> When:
    """``-2h30m``, ``+5m``, ``now``/``0``, a number of seconds, or an ISO-8601 instant."""
    if isinstance(value, bool):
        raise at.fail(f"expected a time, got {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, datetime):
        return absolute_time(value, at)
    text = str(value).strip()
    if text in {"now", "0"}:
        return timedelta(0)
    match = _RELATIVE.match(text)
    if match:
        seconds = sum(float(n) * _UNIT[u] for n, u in _PART.findall(match.group(2)))
        return timedelta(seconds=-seconds if match.group(1) == "-" else seconds)
    return absolute_time(text, at)


def absolute_time(value: Any, at: Where) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise at.fail(f"expected -2h30m, +5m or an ISO-8601 time, got {value!r}") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
