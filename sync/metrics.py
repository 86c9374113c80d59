"""A cycle, measured: ``measured_cycle`` runs one and tells every observer what it did.

The observers (``sync.ports.CycleObserver``) are the daemon's Prometheus metrics
(``adapters.metrics``), its health check (``sync.health``) and the webhook notifier
(``adapters.notify``); they receive plain figures (``sync.figures.CycleFigures``), read
after the cycle, so a scrape or a health probe never waits for a running cycle. An
observer that raises is logged; the cycle's result stands.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sync.config import Settings
from sync.cycle import CycleReport, run_cycle
from sync.errors import WorkerError
from sync.figures import CycleFigures
from sync.ports import Clock, CycleObserver, Zendesk
from sync.pull.step import CAUGHT_UP_KEY
from sync.push.step import PushingStore
from sync.stopping import Stopping

log = logging.getLogger(__name__)


def measured_cycle(
    zendesk: Zendesk,
    store: PushingStore,
    settings: Settings,
    clock: Clock,
    observers: Sequence[CycleObserver],
    *,
    dry_run: bool = False,
    stop: Stopping | None = None,
) -> CycleReport:
    """One cycle; its figures go to ``observers`` whether it succeeds or raises."""
    started = time.perf_counter()
    try:
        report = run_cycle(zendesk, store, settings, clock, dry_run=dry_run, stop=stop)
    except BaseException as exc:
        figures = _raised(exc, store, clock.now(), time.perf_counter() - started, dry_run)
        _tell(observers, figures)
        raise
    _tell(observers, figures_of(report, store, clock.now(), time.perf_counter() - started))
    return report


def figures_of(
    report: CycleReport, store: PushingStore, ended: datetime, duration: float
) -> CycleFigures:
    """What a finished cycle did, with the store's state after it."""
    push = report.push
    decisions = Counter(line.decision.rule for line in report.decide.lines if line.new)
    problems = [*report.pull.errors, report.decide.problem, push.problem, *push.errors]
    first_problem = next((p for p in problems if p), None)
    if first_problem is None and push.failed:
        first_problem = f"{push.failed} outbox entr(ies) failed"
    figures = CycleFigures(
        ended=ended,
        duration_seconds=duration,
        failed=report.failed,
        error=first_problem,
        dry_run=push.dry_run,
        exported=report.pull.exported,
        mirrored=report.pull.kept,
        bad_records=report.pull.skipped,
        decisions=dict(decisions),
        push_outcomes=dict(push.outcomes),
        follow_ups_created=push.follow_ups_created,
        applied=tuple(push.applied),
        push_errors=tuple(e for e in (push.problem, *push.errors) if e),
    )
    return _with_store_state(figures, store)


def _raised(
    exc: BaseException, store: PushingStore, ended: datetime, duration: float, dry_run: bool
) -> CycleFigures:
    """A cycle that raised (an outage, a bug): no report to read."""
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    figures = CycleFigures(
        ended=ended, duration_seconds=duration, failed=True, error=error, dry_run=dry_run
    )
    return _with_store_state(figures, store)


def _with_store_state(figures: CycleFigures, store: PushingStore) -> CycleFigures:
    """Add the outbox, the audits waiting, the unreadable tickets and the export lag;
    leave them out when the store cannot be read (the cycle's own failure then says why)."""
    try:
        outbox = dict(store.outbox_summary().counts)
        audits_pending = len(store.tickets_needing_audits())
        unreadable = len(store.unreadable_tickets())
        caught_up = store.read_state(CAUGHT_UP_KEY)
    except WorkerError as exc:
        log.warning("metrics: the store could not be read after the cycle: %s", exc)
        return figures
    return replace(
        figures,
        outbox=outbox,
        audits_pending=audits_pending,
        unreadable_tickets=unreadable,
        export_lag_seconds=_lag(caught_up, figures.ended),
    )


def _lag(caught_up_to: str | None, now: datetime) -> float | None:
    """Seconds the mirror trails Zendesk (``CAUGHT_UP_KEY``); None before any pull."""
    if caught_up_to is None:
        return None
    return max(0.0, (now - datetime.fromisoformat(caught_up_to)).total_seconds())


def _tell(observers: Sequence[CycleObserver], figures: CycleFigures) -> None:
    for observer in observers:
        try:
            observer.cycle_ended(figures)
        except Exception:
            # Metrics, health or a webhook must never turn a cycle into a failure.
            log.exception("metrics: %s failed on the cycle's figures", type(observer).__name__)
