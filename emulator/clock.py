"""The emulator's controllable clock.

Zendesk's behaviour depends on time in several places the worker cares about: the
export's one-minute lag, ``updated_at`` / ``generated_timestamp``, job progress,
idempotency-key expiry and scripted agent activity. All of them read this clock, so a
test can freeze it and step it deterministically while a developer running the demo
sees it follow real time.

Rate-limit windows deliberately do *not* use this clock: Zendesk counts requests per
real minute, and a frozen scenario clock must not stop the windows from resetting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class EmulatorClock:
    """Scenario time: starts at ``start`` (default: real now), runs in real time unless
    frozen; ``advance``/``set`` move it and then call the listeners (due script entries)."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        begin = start if start is not None else datetime.now(UTC)
        if begin.tzinfo is None:
            raise ValueError(f"clock start {begin!r} must be timezone-aware")
        self._lock = threading.Lock()
        # Zendesk timestamps have second precision; starting on a whole second keeps
        # relative scenario times ("-2h") exact.
        self._anchor = begin.astimezone(UTC).replace(microsecond=0)
        self._anchor_mono = time.monotonic()
        self._frozen = frozen
        self.start = self._anchor
        self._listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        """The current scenario time, timezone-aware UTC."""
        with self._lock:
            return self._read()

    def timestamp(self) -> int:
        """The current scenario time as whole unix seconds."""
        return int(self.now().timestamp())

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        """Stop the clock at its current reading."""
        with self._lock:
            self._rebase(self._read())
            self._frozen = True

    def unfreeze(self) -> None:
        """Let the clock follow real time again from its current reading."""
        with self._lock:
            self._rebase(self._read())
            self._frozen = False

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (a negative value would break monotonic ticket times)."""
        if seconds < 0:
            raise ValueError(f"clock.advance({seconds}): the clock only moves forward")
        with self._lock:
            now = self._read() + timedelta(seconds=seconds)
            self._rebase(now)
        self._notify(now)
        return now

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (forward only, for the same reason as ``advance``)."""
        if when.tzinfo is None:
            raise ValueError(f"clock.set({when!r}): give a timezone-aware datetime")
        with self._lock:
            current = self._read()
            if when < current - timedelta(seconds=1):
                raise ValueError(f"clock.set({when.isoformat()}) is before {current.isoformat()}")
            self._rebase(max(when.astimezone(UTC), current))
            now = self._read()
        self._notify(now)
        return now

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        """Call ``listener(now)`` after every ``advance``/``set`` (fires due script entries)."""
        self._listeners.append(listener)

    def _read(self) -> datetime:
        if self._frozen:
            return self._anchor
        return self._anchor + timedelta(seconds=time.monotonic() - self._anchor_mono)

    def _rebase(self, at: datetime) -> None:
        self._anchor = at
        self._anchor_mono = time.monotonic()

    def _notify(self, now: datetime) -> None:
        for listener in list(self._listeners):
            listener(now)
