"""Fault injection: rules that make chosen requests fail the way networks and Zendesk do.

A :class:`FaultRule` matches requests by method and a path pattern (a regex searched in
the path without ``.json``) and fires on every match, on the ``nth`` match only, on the
``first`` N matches, or with a ``probability`` drawn from its own seeded generator (so a
run is reproducible). Kinds:

- ``status``: answer ``status`` (500, 502, 503, 429 ...) with ``body``; a 429 always
  carries ``Retry-After`` (``retry_after``, default 1). Nothing is applied.
- ``reset``: close the connection with a TCP RST, no answer. Nothing is applied.
- ``slow``: wait ``delay`` seconds, then answer normally.
- ``hang``: accept the request and never answer, applying nothing: hold the connection
  until ``delay`` seconds pass (0, the default: until the emulator stops), then drop it.
  A Zendesk that hangs, as opposed to one that is slow.
- ``timeout_after_apply``: apply the request, then withhold the answer for ``delay``
  seconds (past the client's timeout) and drop the connection; ``delay=0`` drops at once.
- ``non_json``: a 200 whose body is an HTML page.
- ``truncated``: a ``Content-Length`` larger than the bytes sent, then the connection closes.
- ``repeat_cursor``: the export answers with the cursor it was given (and not at its end).
- ``repeat_page``: a listing (users, groups, memberships, audits ...) claims more is to
  come and links to the very page it answered: its cursor (or page number) repeats, for
  ever, as a Zendesk stuck in a pagination loop would.
- ``missing_fields``: a ticket of the answer lacks ``fields`` (default status, updated_at).
- ``unknown_status``: a ticket of the answer has status ``escalated``.
- ``unknown_event``: an audit of the answer gains an event of an unknown type.

The last three pick ``ticket`` (an id) when given, else the first ticket or audit.
Rules are written on the command line as ``KIND[:key=value,...]``, e.g.
``status:status=503,method=PUT,path=/tickets/\\d+$,first=2`` (see :meth:`FaultRule.parse`).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from emulator.errors import EmulatorError


class FaultKind(StrEnum):
    STATUS = "status"
    RESET = "reset"
    SLOW = "slow"
    HANG = "hang"
    TIMEOUT_AFTER_APPLY = "timeout_after_apply"
    NON_JSON = "non_json"
    TRUNCATED = "truncated"
    REPEAT_CURSOR = "repeat_cursor"
    REPEAT_PAGE = "repeat_page"
    MISSING_FIELDS = "missing_fields"
    UNKNOWN_STATUS = "unknown_status"
    UNKNOWN_EVENT = "unknown_event"


#: Kinds that act before the request is handled (nothing is applied).
BEFORE_HANDLING = frozenset({FaultKind.STATUS, FaultKind.RESET, FaultKind.SLOW, FaultKind.HANG})
_INTS = {"nth", "first", "seed", "status", "retry_after", "ticket", "times"}
_FLOATS = {"probability", "delay"}


@dataclass
class FaultRule:
    """One fault; see the module docstring for kinds and matching."""

    kind: FaultKind
    method: str = "*"
    path: str = ""
    nth: int | None = None
    first: int | None = None
    probability: float | None = None
    seed: int = 0
    #: At most this many firings in all (None: no cap).
    times: int | None = None
    status: int = 503
    retry_after: int | None = None
    body: Any = None
    delay: float = 0.0
    fields: tuple[str, ...] = ("status", "updated_at")
    ticket: int | None = None
    matched: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        self.method = self.method.upper()
        self.fields = tuple(self.fields)
        try:
            self._pattern = re.compile(self.path)
        except re.error as exc:
            raise EmulatorError(f"fault rule path {self.path!r} is not a regex: {exc}") from exc
        self._random = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        return self.method in {"*", method} and self._pattern.search(path) is not None

    def draw(self) -> bool:
        """Count a matching request; True when the fault fires for it."""
        self.matched += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None:
            fire = self.matched == self.nth
        elif self.first is not None:
            fire = self.matched <= self.first
        elif self.probability is not None:
            fire = self._random.random() < self.probability
        else:
            fire = True
        self.fired += fire
        return fire

    def describe(self) -> dict[str, Any]:
        shown = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        shown["kind"] = str(self.kind)
        shown["fields"] = list(self.fields)
        return shown

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``KIND[:key=value,...]``; ``fields`` takes ``+``-separated names."""
        kind, _, rest = spec.partition(":")
        options: dict[str, Any] = {}
        for item in filter(None, rest.split(",")):
            key, sep, value = item.partition("=")
            if not sep:
                raise EmulatorError(f"fault {spec!r}: expected key=value, got {item!r}")
            options[key.strip()] = _option(key.strip(), value.strip(), spec)
        try:
            return cls(kind=FaultKind(kind.strip()), **options)
        except (TypeError, ValueError) as exc:
            raise EmulatorError(f"fault {spec!r}: {exc}") from exc

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> FaultRule:
        known = {f.name for f in fields(cls) if f.init}
        unknown = set(data) - known
        if unknown:
            raise EmulatorError(f"fault rule: unknown keys {sorted(unknown)}")
        try:
            return cls(**data)
        except (TypeError, ValueError) as exc:
            raise EmulatorError(f"fault rule {data!r}: {exc}") from exc


def _option(key: str, value: str, spec: str) -> Any:
    try:
        if key in _INTS:
            return int(value)
        if key in _FLOATS:
            return float(value)
    except ValueError as exc:
        raise EmulatorError(f"fault {spec!r}: {key}={value!r} is not a number") from exc
    if key == "fields":
        return tuple(value.split("+"))
    return value


class FaultBook:
    """The active rules; the first rule that fires for a request wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule | str) -> FaultRule:
        parsed = FaultRule.parse(rule) if isinstance(rule, str) else rule
        with self._lock:
            self._rules.append(parsed)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.draw():
                    return rule
        return None
