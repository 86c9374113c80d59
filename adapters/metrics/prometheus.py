"""The daemon's Prometheus metrics, on a registry of their own (not prometheus_client's
global one, so two daemons in one process, or the tests, never share counters).

``PrometheusMetrics`` is a ``CycleObserver`` (the cycle's figures) and an ``ApiObserver``
(each request to Zendesk) of ``sync.ports``; ``exposition()`` is what ``/metrics`` serves.
The process collectors (``process_*``: CPU, memory, open files; ``python_*``) come with it.
Alert on ``time() - zdsync_last_success_timestamp_seconds`` growing (0 until the first
success), on ``zdsync_outbox_entries{state="failed"} > 0``, on
``rate(zdsync_api_rate_limited_total[10m])`` and on ``zdsync_export_lag_seconds``.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from sync.figures import CycleFigures


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        self._cycle_metrics(registry)
        self._api_metrics(registry)
        self._outbox_states: set[str] = set()
        self.export_lag.set(float("nan"))  # unknown until a pull said something

    def _cycle_metrics(self, registry: CollectorRegistry) -> None:
        def counter(name: str, text: str, *labels: str) -> Counter:
            return Counter(name, text, labels, registry=registry)

        def gauge(name: str, text: str, *labels: str) -> Gauge:
            return Gauge(name, text, labels, registry=registry)

        self.cycles = counter("zdsync_cycles", "Cycles run (pull, decide, push).")
        self.cycle_failures = counter(
            "zdsync_cycle_failures", "Cycles that failed or left work undone."
        )
        self.last_cycle = gauge("zdsync_last_cycle_timestamp_seconds", "When the last cycle ended.")
        self.last_success = gauge(
            "zdsync_last_success_timestamp_seconds",
            "When a cycle last ended without failure (0: none yet).",
        )
        self.last_duration = gauge("zdsync_last_cycle_duration_seconds", "The last cycle's length.")
        self.exported = counter("zdsync_tickets_exported", "Tickets read from the export.")
        self.mirrored = counter("zdsync_tickets_mirrored", "Exported tickets kept in the mirror.")
        self.bad_records = counter("zdsync_bad_records", "Records from Zendesk logged and skipped.")
        self.decisions = counter("zdsync_decisions", "New decisions queued, by rule.", "rule")
        self.push_outcomes = counter(
            "zdsync_push_outcomes", "Outbox entries settled by push, by outcome.", "outcome"
        )
        self.follow_ups = counter(
            "zdsync_follow_up_tickets", "Maintenance / Change Request tickets created."
        )
        self.outbox = gauge("zdsync_outbox_entries", "Outbox entries by state.", "state")
        self.audits_pending = gauge("zdsync_audits_pending", "Tickets waiting for their audits.")
        self.unreadable = gauge(
            "zdsync_unreadable_tickets",
            "Tickets Zendesk sent that cannot be read: not mirrored, read again each cycle.",
        )
        self.export_lag = gauge(
            "zdsync_export_lag_seconds",
            "How far the mirror trails Zendesk: since the export last reached its end, or "
            "since the cursor's position during a backfill.",
        )

    def _api_metrics(self, registry: CollectorRegistry) -> None:
        self.api_requests = Counter(
            "zdsync_api_requests",
            "Requests to Zendesk (each attempt), by method, endpoint and status.",
            ("method", "endpoint", "status"),
            registry=registry,
        )
        self.api_rate_limited = Counter(
            "zdsync_api_rate_limited",
            "429 answers from Zendesk, by endpoint.",
            ("endpoint",),
            registry=registry,
        )
        self.api_retries = Counter(
            "zdsync_api_retries",
            "Requests tried again, by reason (rate_limited, unavailable).",
            ("reason",),
            registry=registry,
        )
        self.api_retry_wait = Counter(
            "zdsync_api_retry_wait_seconds",
            "Seconds waited before retries, by reason.",
            ("reason",),
            registry=registry,
        )

    def exposition(self) -> bytes:
        """The text a Prometheus server scrapes."""
        return generate_latest(self.registry)

    # -- sync.ports.CycleObserver --------------------------------------------------------

    def cycle_ended(self, figures: CycleFigures) -> None:
        self.cycles.inc()
        ended = figures.ended.timestamp()
        self.last_cycle.set(ended)
        self.last_duration.set(figures.duration_seconds)
        if figures.failed:
            self.cycle_failures.inc()
        else:
            self.last_success.set(ended)
        self.exported.inc(figures.exported)
        self.mirrored.inc(figures.mirrored)
        self.bad_records.inc(figures.bad_records)
        for rule, count in figures.decisions.items():
            self.decisions.labels(rule=rule).inc(count)
        for outcome, count in figures.push_outcomes.items():
            self.push_outcomes.labels(outcome=outcome).inc(count)
        self.follow_ups.inc(figures.follow_ups_created)
        self._store_gauges(figures)

    def _store_gauges(self, figures: CycleFigures) -> None:
        if figures.outbox is not None:
            # A state that emptied reads 0, not its last count.
            self._outbox_states |= set(figures.outbox)
            for state in self._outbox_states:
                self.outbox.labels(state=state).set(figures.outbox.get(state, 0))
        if figures.audits_pending is not None:
            self.audits_pending.set(figures.audits_pending)
        if figures.unreadable_tickets is not None:
            self.unreadable.set(figures.unreadable_tickets)
        if figures.export_lag_seconds is not None:
            self.export_lag.set(figures.export_lag_seconds)

    # -- sync.ports.ApiObserver ----------------------------------------------------------

    def api_request(self, method: str, endpoint: str, status: str) -> None:
        self.api_requests.labels(method=method, endpoint=endpoint, status=status).inc()
        if status == "429":
            self.api_rate_limited.labels(endpoint=endpoint).inc()

    def api_retry(self, reason: str, wait_seconds: float) -> None:
        self.api_retries.labels(reason=reason).inc()
        self.api_retry_wait.labels(reason=reason).inc(max(0.0, wait_seconds))
