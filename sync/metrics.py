"""What the daemon has done, as Prometheus metrics (text exposition format 0.0.4).

``CycleMetrics`` accumulates counters from each cycle's report and keeps the store's gauges
as they were after the cycle (read by the daemon's thread, so a scrape never touches the
database); ``render`` gives the text a Prometheus server scrapes from
``zdsync run --metrics-port PORT`` at ``/metrics``. Alert on
``time() - zdsync_last_success_timestamp_seconds`` growing, on
``zdsync_outbox_entries{state="failed"}`` and on ``zdsync_cycle_failures_total``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sync.config import Settings
from sync.cycle import CycleReport, run_cycle
from sync.ports import Clock, Zendesk
from sync.push import PushingStore

#: (name, type, help) of every metric, in the order they are written.
METRICS = (
    ("zdsync_cycles_total", "counter", "Cycles run (pull, decide, push)."),
    ("zdsync_cycle_failures_total", "counter", "Cycles that failed or left work undone."),
    ("zdsync_last_cycle_timestamp_seconds", "gauge", "When the last cycle ended (unix time)."),
    ("zdsync_last_success_timestamp_seconds", "gauge", "When a cycle last ended without failure."),
    ("zdsync_last_cycle_duration_seconds", "gauge", "How long the last cycle took."),
    ("zdsync_tickets_exported_total", "counter", "Tickets read from the incremental export."),
    ("zdsync_tickets_mirrored_total", "counter", "Exported tickets kept in the mirror."),
    ("zdsync_bad_records_total", "counter", "Records from Zendesk logged and skipped."),
    ("zdsync_decisions_total", "counter", "New decisions queued, by rule."),
    ("zdsync_push_outcomes_total", "counter", "Outbox entries settled by push, by outcome."),
    ("zdsync_follow_up_tickets_total", "counter", "Maintenance / Change Request tickets created."),
    ("zdsync_outbox_entries", "gauge", "Outbox entries by state, when scraped."),
    ("zdsync_audits_pending", "gauge", "Mirrored tickets waiting for their audits."),
)


@dataclass
class CycleMetrics:
    """Counters from cycle reports; thread-safe (the daemon writes, the scraper reads)."""

    cycles: int = 0
    failures: int = 0
    last_end: float | None = None
    last_success: float | None = None
    last_duration: float | None = None
    counters: Counter[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=Counter)
    outbox: Mapping[str, int] = field(default_factory=dict)
    audits_pending: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self,
        report: CycleReport,
        *,
        ended: float,
        duration: float,
        outbox: Mapping[str, int],
        audits_pending: int,
    ) -> None:
        with self._lock:
            self.outbox, self.audits_pending = dict(outbox), audits_pending
            self.cycles += 1
            self.failures += report.failed
            self.last_end, self.last_duration = ended, duration
            if not report.failed:
                self.last_success = ended
            self._add("zdsync_tickets_exported_total", report.pull.exported)
            self._add("zdsync_tickets_mirrored_total", report.pull.kept)
            self._add("zdsync_bad_records_total", report.pull.skipped)
            for line in report.decide.lines:
                if line.new:
                    self._add("zdsync_decisions_total", 1, rule=line.decision.rule)
            for outcome, count in report.push.outcomes.items():
                self._add("zdsync_push_outcomes_total", count, outcome=outcome)
            self._add("zdsync_follow_up_tickets_total", report.push.follow_ups_created)

    def failed_cycle(self, *, ended: float, duration: float) -> None:
        """A cycle that raised (an outage, a bug): counted, no report to read."""
        with self._lock:
            self.cycles += 1
            self.failures += 1
            self.last_end, self.last_duration = ended, duration

    def _add(self, name: str, amount: int, **labels: str) -> None:
        self.counters[(name, tuple(sorted(labels.items())))] += amount

    def render(self) -> str:
        """The exposition text."""
        with self._lock:
            values: dict[str, list[tuple[str, float]]] = {
                "zdsync_cycles_total": [("", self.cycles)],
                "zdsync_cycle_failures_total": [("", self.failures)],
            }
            for name, stamp in (
                ("zdsync_last_cycle_timestamp_seconds", self.last_end),
                ("zdsync_last_success_timestamp_seconds", self.last_success),
                ("zdsync_last_cycle_duration_seconds", self.last_duration),
            ):
                if stamp is not None:
                    values[name] = [("", stamp)]
            for (name, labels), amount in sorted(self.counters.items()):
                values.setdefault(name, []).append((_labels(dict(labels)), amount))
            values["zdsync_outbox_entries"] = [
                (_labels({"state": state}), n) for state, n in sorted(self.outbox.items())
            ]
            if self.audits_pending is not None:
                values["zdsync_audits_pending"] = [("", self.audits_pending)]
        return _exposition(values)


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    escaped = (f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _exposition(values: Mapping[str, list[tuple[str, float]]]) -> str:
    lines = []
    for name, kind, text in METRICS:
        samples = values.get(name)
        if not samples:
            continue
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{labels} {_number(value)}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def measured_cycle(
    zendesk: Zendesk,
    store: PushingStore,
    settings: Settings,
    clock: Clock,
    metrics: CycleMetrics,
) -> CycleReport:
    """One cycle, its figures recorded in ``metrics`` whether it succeeds or raises."""
    started = time.perf_counter()
    try:
        report = run_cycle(zendesk, store, settings, clock)
    except BaseException:
        metrics.failed_cycle(ended=clock.now().timestamp(), duration=time.perf_counter() - started)
        raise
    metrics.record(
        report,
        ended=clock.now().timestamp(),
        duration=time.perf_counter() - started,
        outbox=store.outbox_summary().counts,
        audits_pending=len(store.tickets_needing_audits()),
    )
    return report
