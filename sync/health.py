"""Is the daemon doing its job? What ``/healthz`` answers (``zdsync run --metrics-port``).

Unhealthy (HTTP 503) when no cycle has succeeded for ``sync.stale_after_intervals``
intervals (counted from the daemon's start until the first success) or when the database
does not answer; a cycle counts whichever worker on the database ran it, so a standby
replica (which skips its cycles while the active one holds the worker lock) is healthy
while the active one succeeds; healthy (200) otherwise. Either way the body says when the last cycle
succeeded, the last error and how many outbox entries have failed, so an operator sees
why at a glance. The state is fed by the cycles (a ``CycleObserver``); the database is
asked at each probe (``probe_database``), so a database that went away shows at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sync.cycle import last_success
from sync.errors import WorkerError
from sync.figures import CycleFigures
from sync.records import OutboxSummary


@dataclass(frozen=True, slots=True)
class Health:
    healthy: bool
    #: The JSON document ``/healthz`` answers with.
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DatabaseProbe:
    """What the database said when asked: its failed outbox entries, or why it did not."""

    outbox_failed: int | None
    error: str | None = None
    #: When a cycle last succeeded on this database, by this worker or another.
    last_success: datetime | None = None


class HasOutbox(Protocol):
    def outbox_summary(self, *, errors: int = 5) -> OutboxSummary: ...
    def read_state(self, key: str) -> str | None: ...


def probe_database(store: HasOutbox) -> DatabaseProbe:
    try:
        failed = store.outbox_summary(errors=0).counts.get("failed", 0)
        recorded = last_success(store)
    except WorkerError as exc:
        return DatabaseProbe(None, str(exc))
    try:
        moment = datetime.fromisoformat(recorded) if recorded else None
    except ValueError:  # a hand-edited state row: this worker's own figures still count
        moment = None
    return DatabaseProbe(failed, last_success=moment)


class HealthState:
    """The cycles' outcomes as the health check needs them; thread-safe (the daemon's
    thread writes, the HTTP server's threads read)."""

    def __init__(self, started: datetime, *, interval: timedelta, stale_after_intervals: int):
        self.started = started
        self.stale_after = interval * stale_after_intervals
        self._lock = threading.Lock()
        self._last_success: datetime | None = None
        self._last_cycle: datetime | None = None
        self._last_error: tuple[datetime, str] | None = None
        self._failures_in_a_row = 0

    def cycle_ended(self, figures: CycleFigures) -> None:
        with self._lock:
            self._last_cycle = figures.ended
            if figures.failed:
                self._failures_in_a_row += 1
                self._last_error = (figures.ended, figures.error or "the cycle failed")
            else:
                self._failures_in_a_row = 0
                self._last_success = figures.ended

    def assess(self, now: datetime, database: DatabaseProbe) -> Health:
        with self._lock:
            last_success, last_error = self._last_success, self._last_error
            last_cycle, in_a_row = self._last_cycle, self._failures_in_a_row
        problems = []
        shared = database.last_success
        if shared is not None and (last_success is None or shared > last_success):
            last_success = shared  # another worker's cycle (this one is a standby)
        since = last_success or self.started
        if now - since > self.stale_after:
            what = "no successful cycle" if last_success else "no cycle has succeeded yet"
            problems.append(
                f"{what} since {since.isoformat()} "
                f"(more than {self.stale_after.total_seconds():g}s ago)"
            )
        if database.error is not None:
            problems.append(f"database unreachable: {database.error}")
        body = {
            "status": "unhealthy" if problems else "ok",
            "problems": problems,
            "last_success": _iso(last_success),
            "last_cycle": _iso(last_cycle),
            "last_error": last_error[1] if last_error else None,
            "last_error_at": _iso(last_error[0]) if last_error else None,
            "failed_cycles_in_a_row": in_a_row,
            "outbox_failed": database.outbox_failed,
            "stale_after_seconds": self.stale_after.total_seconds(),
        }
        return Health(healthy=not problems, body=body)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
