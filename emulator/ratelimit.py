"""Per-minute rate limits with Zendesk's headers and 429 + Retry-After.

Limits [reference notes section 6; doc RL]: account-wide requests per minute (plan
dependent; Enterprise 700), the incremental exports 10 per minute, Update Ticket 100 per
minute, and 30 updates per ticket per user per 10 minutes. Every answer carries the
account headers in both families seen in recordings (``x-rate-limit`` /
``x-rate-limit-remaining`` and ``ratelimit-limit/-remaining/-reset``); ticket updates
also carry ``zendesk-ratelimit-update-ticket`` and ``zendesk-ratelimit-per-ticket-updates``
(``total=N; remaining=M; resets=S``). Export answers carry only the account headers, as
recorded. A 429 always has an integer ``Retry-After``.

Windows are fixed, start with their first request and run on real monotonic time, not
on the scenario clock: a frozen scenario clock must not freeze the limits.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from emulator import errors


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Limits per window; None switches a limit (and its headers) off."""

    account_per_minute: int | None = 700
    export_per_minute: int | None = 10
    update_ticket_per_minute: int | None = 100
    per_ticket_updates_per_10_minutes: int | None = 30

    @classmethod
    def disabled(cls) -> RateLimits:
        return cls(None, None, None, None)


@dataclass(slots=True)
class _Window:
    limit: int
    length: float
    started: float = -math.inf
    used: int = 0

    def refresh(self, now: float) -> None:
        if now - self.started >= self.length:
            self.started, self.used = now, 0

    def resets_in(self, now: float) -> int:
        return max(1, math.ceil(self.started + self.length - now))


@dataclass(frozen=True, slots=True)
class Admission:
    """Headers for the answer; ``rejection`` is set when the request is over a limit."""

    headers: dict[str, str]
    rejection: errors.ApiError | None = None


class RateLimiter:
    """Counts requests in fixed windows; thread-safe."""

    def __init__(self, limits: RateLimits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._windows: dict[object, _Window] = {}

    def admit(self, *, export: bool, ticket_update: tuple[int, int] | None) -> Admission:
        """Count one request (unless it is rejected) and say how it stands.

        ``ticket_update`` is (user id, ticket id) for ``PUT /tickets/{id}``.
        """
        buckets = self._buckets(export, ticket_update)
        with self._lock:
            now = self._monotonic()
            windows = [
                (header, self._window(key, limit, length)) for header, key, limit, length in buckets
            ]
            for _, window in windows:
                window.refresh(now)
            full = [(h, w) for h, w in windows if w.used >= w.limit]
            if not full:
                for _, window in windows:
                    window.used += 1
            headers = _headers(windows, now)
        if full:
            name = full[0][0]
            retry = max(w.resets_in(now) for _, w in full)
            what = "incremental export " if name == "export" else ""
            rejection = errors.rate_limited(
                f"Number of allowed {what}API requests per minute exceeded", retry
            )
            rejection.headers.update(headers)
            return Admission(headers, rejection)
        return Admission(headers)

    def _buckets(
        self, export: bool, ticket_update: tuple[int, int] | None
    ) -> list[tuple[str, object, int, float]]:
        limits = self.limits
        candidates: list[tuple[str, object, int | None, float]] = [
            ("account", "account", limits.account_per_minute, 60.0)
        ]
        if export:
            candidates.append(("export", "export", limits.export_per_minute, 60.0))
        if ticket_update is not None:
            candidates.append(("update-ticket", "update", limits.update_ticket_per_minute, 60.0))
            candidates.append(
                (
                    "per-ticket-updates",
                    ("ticket", *ticket_update),
                    limits.per_ticket_updates_per_10_minutes,
                    600.0,
                )
            )
        return [(h, k, limit, length) for h, k, limit, length in candidates if limit is not None]

    def _window(self, key: object, limit: int, length: float) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(limit, length)
        return window


def _headers(windows: list[tuple[str, _Window]], now: float) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, window in windows:
        remaining = str(max(0, window.limit - window.used))
        reset = str(window.resets_in(now))
        if name == "account":
            headers["x-rate-limit"] = str(window.limit)
            headers["x-rate-limit-remaining"] = remaining
            headers["ratelimit-limit"] = str(window.limit)
            headers["ratelimit-remaining"] = remaining
            headers["ratelimit-reset"] = reset
        elif name != "export":
            headers[f"zendesk-ratelimit-{name}"] = (
                f"total={window.limit}; remaining={remaining}; resets={reset}"
            )
    return headers
