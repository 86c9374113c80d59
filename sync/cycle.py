"""One cycle: pull -> decide -> push. What ``zdsync once`` runs, and the daemon every interval.

Each step commits its own transactions, so a cycle killed anywhere loses nothing and
repeats nothing: the next one resumes from the export cursor, the decide mark and the
outbox. A dry run still pulls (reading Zendesk into the local mirror is what lets it show
the truth), then decides and plans the push without writing the outbox or Zendesk: the
decisions it would enqueue are planned along with those already pending.

How the last cycle ended is kept in ``sync_state`` (``LAST_CYCLE_KEY``) for ``zdsync
status``: when, ok or failed, how long, and the error that ended it, if one did.

A stop (SIGTERM, SIGINT, the cycle's deadline ``sync.cycle_deadline_seconds``:
``sync.stopping``) ends the cycle at the next safe boundary inside a step, or between the
steps; the report says why it is incomplete, and the cycle counts as failed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Protocol

from sync.config import Settings
from sync.decide.step import DecideReport, decide, outbox_entry
from sync.errors import WorkerError
from sync.ports import Clock, Zendesk
from sync.pull.step import PullReport, pull
from sync.push.outcomes import PushReport
from sync.push.step import PushingStore, push
from sync.stopping import Stopping

log = logging.getLogger(__name__)

#: JSON {"ended_at": ISO-8601, "result": "ok" | "failed", "seconds": float, "error": str|null}
LAST_CYCLE_KEY = "cycle.last"


@dataclass(frozen=True)
class CycleReport:
    pull: PullReport
    decide: DecideReport
    push: PushReport
    #: Entries in the outbox that are ``failed`` after the cycle (this cycle's or older:
    #: each waits for its next attempt, or for ``zdsync retry``).
    failed_entries: int = 0
    #: Why the cycle stopped before its end (a signal, the deadline); None: it ran through.
    stopped: str | None = None

    @property
    def failed(self) -> bool:
        """Anything went wrong, waits or was left undone: a pull error, nothing to decide on,
        a push stopped by an outage (entries left unsent), an entry that failed, now or
        before, a stop before the end."""
        return bool(
            self.pull.errors
            or self.decide.problem
            or self.push.problem
            or self.push.stopped
            or self.push.failed
            or self.failed_entries
            or self.stopped
        )

    @property
    def seconds(self) -> float:
        return self.pull.seconds + self.decide.seconds + self.push.seconds

    def summary(self) -> str:
        """One line; each step has logged its own figures already."""
        verdict = "failed" if self.failed else "ok"
        waiting = "; push stopped early, entries left for the next cycle" * self.push.stopped
        if self.failed_entries:
            waiting += f"; {self.failed_entries} failed entr(y/ies) in the outbox"
        if self.stopped:
            verdict = f"stopped early ({self.stopped})"
        return (
            f"cycle {verdict} in {self.seconds:.1f}s: {self.pull.kept} ticket(s) mirrored, "
            f"{self.decide.new} new decision(s), {self.push.outcomes['applied']} applied, "
            f"{self.push.failed} failed{waiting}"
        )


def run_cycle(
    zendesk: Zendesk,
    store: PushingStore,
    settings: Settings,
    clock: Clock,
    *,
    dry_run: bool = False,
    stop: Stopping | None = None,
) -> CycleReport:
    """Pull, decide and push once, unless ``stop`` ends it early; the cycle's deadline is
    armed on ``stop`` for the length of the cycle."""
    started = time.perf_counter()
    if stop is not None:
        stop.begin_cycle(settings.sync.cycle_deadline_seconds)
    try:
        report = _steps(zendesk, store, settings, clock, dry_run=dry_run, stop=stop)
        failed = store.outbox_summary(errors=0).counts.get("failed", 0)
        report = replace(report, failed_entries=failed)
    except Exception as exc:
        remember_cycle_end(
            store, clock, failed=True, seconds=time.perf_counter() - started, error=exc
        )
        raise
    finally:
        if stop is not None:
            stop.end_cycle()
    remember_cycle_end(store, clock, failed=report.failed, seconds=report.seconds)
    log.log(
        logging.WARNING if report.failed else logging.INFO, "%s", report.summary(),
        extra={"step": "cycle", "result": "failed" if report.failed else "ok",
               "duration_s": round(report.seconds, 3)},
    )  # fmt: skip
    return report


def _steps(
    zendesk: Zendesk,
    store: PushingStore,
    settings: Settings,
    clock: Clock,
    *,
    dry_run: bool,
    stop: Stopping | None,
) -> CycleReport:
    """The three steps, each skipped once a stop was asked for."""
    pulled = pull(zendesk, store, settings, clock, stop=stop)
    reason = pulled.stopped or _reason(stop)
    if reason is not None:
        return _not_run(pulled, None, reason, clock, dry_run=dry_run)
    decided = decide(store, settings, clock, dry_run=dry_run)
    reason = _reason(stop)
    if reason is not None:
        return _not_run(pulled, decided, reason, clock, dry_run=dry_run)
    # What a dry-run decide would have enqueued, planned along with what is pending.
    proposed = [outbox_entry(line.decision, decided.now) for line in decided.lines if line.new]
    pushed = push(store, zendesk, settings, clock, dry_run=dry_run, proposed=proposed, stop=stop)
    return CycleReport(pulled, decided, pushed, stopped=pushed.interrupted)


def _reason(stop: Stopping | None) -> str | None:
    return stop.reason if stop is not None else None


def _not_run(
    pulled: PullReport,
    decided: DecideReport | None,
    reason: str,
    clock: Clock,
    *,
    dry_run: bool,
) -> CycleReport:
    """The report of a cycle stopped before decide (``decided`` None) or before push."""
    now = clock.now()
    if decided is None:
        decided = DecideReport(now=now, dry_run=dry_run, problem=f"not run: {reason}")
    pushed = PushReport(now=now, dry_run=dry_run, problem=f"not run: {reason}")
    return CycleReport(pulled, decided, pushed, stopped=reason)


def remember_cycle_end(
    store: PushingStore,
    clock: Clock,
    *,
    failed: bool,
    seconds: float,
    error: Exception | None = None,
) -> None:
    ended = clock.now().isoformat()
    last = {
        "ended_at": ended,
        "result": "failed" if failed else "ok",
        "seconds": round(seconds, 3),
        "error": f"{type(error).__name__}: {error}" if error else None,
    }
    try:
        # When any worker on this database last succeeded: a standby replica's /healthz
        # reads it (sync.health), and a failure must not erase it.
        last["last_success_at"] = ended if not failed else last_success(store)
        store.write_state(LAST_CYCLE_KEY, json.dumps(last))
    except WorkerError as exc:  # the database is down: the cycle's own error says more
        log.warning("could not record the cycle's end: %s", exc, extra={"step": "cycle"})


class HasState(Protocol):
    def read_state(self, key: str) -> str | None: ...


def last_success(store: HasState) -> str | None:
    """When a cycle last succeeded on this database, by any worker (ISO), or None."""
    raw = store.read_state(LAST_CYCLE_KEY)
    if raw is None:
        return None
    try:
        last = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(last, dict):
        return None
    if last.get("result") == "ok":
        return str(last.get("ended_at"))
    found = last.get("last_success_at")
    return str(found) if found else None
