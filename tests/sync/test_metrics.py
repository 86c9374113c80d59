"""The daemon's metrics: counters from the cycles' figures, gauges from the store after each
cycle, the API's requests and retries, on a Prometheus registry of their own, served over
HTTP in Prometheus's text format."""

from __future__ import annotations

from datetime import timedelta

import requests
from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics import MetricsServer, PrometheusMetrics
from sync.errors import TicketUnreadable, ZendeskUnavailable
from sync.metrics import measured_cycle
from sync.pull.step import CAUGHT_UP_KEY
from tests.sync.push_world import ALICE, World


def samples(metrics: PrometheusMetrics) -> dict[str, float]:
    """``name{label="value",...}`` -> value, labels sorted, ``_created`` series left out."""
    values = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            values[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return values


def test_a_cycle_is_counted_with_its_decisions_outcomes_and_the_outbox() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.later(hours=3)
    metrics = PrometheusMetrics()

    measured_cycle(world.writer, world.store, world.settings, world.clock, [metrics])
    values = samples(metrics)

    assert values["zdsync_cycles_total"] == 1 and values["zdsync_cycle_failures_total"] == 0
    assert values['zdsync_decisions_total{rule="hand_back"}'] == 1
    assert values['zdsync_decisions_total{rule="submit_as_open"}'] == 1
    assert values['zdsync_push_outcomes_total{outcome="applied"}'] == 2
    assert values['zdsync_outbox_entries{state="applied"}'] == 2
    assert values['zdsync_outbox_entries{state="pending"}'] == 0
    assert values["zdsync_audits_pending"] == 0
    assert values["zdsync_last_success_timestamp_seconds"] == world.clock.now().timestamp()
    # The fake export reached its end during this cycle: the mirror is current.
    assert world.store.read_state(CAUGHT_UP_KEY) == world.clock.now().isoformat()
    assert values["zdsync_export_lag_seconds"] == 0


def test_a_failing_cycle_is_counted_as_a_failure_and_keeps_the_last_success() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    metrics = PrometheusMetrics()
    measured_cycle(world.writer, world.store, world.settings, world.clock, [metrics])
    success = samples(metrics)["zdsync_last_success_timestamp_seconds"]
    world.later(hours=1)
    world.writer.zendesk.fail_next["export"] = [ZendeskUnavailable("down")]

    measured_cycle(world.writer, world.store, world.settings, world.clock, [metrics])
    values = samples(metrics)

    assert (values["zdsync_cycles_total"], values["zdsync_cycle_failures_total"]) == (2, 1)
    assert values["zdsync_last_success_timestamp_seconds"] == success
    assert values["zdsync_last_cycle_timestamp_seconds"] > success
    # The export stopped short: the mirror trails by the hour since it was last current.
    assert values["zdsync_export_lag_seconds"] == timedelta(hours=1).total_seconds()


def test_api_requests_are_counted_by_endpoint_and_status_with_429s_and_retries() -> None:
    metrics = PrometheusMetrics()
    metrics.api_request("GET", "/api/v2/tickets/{id}/audits", "200")
    metrics.api_request("GET", "/api/v2/tickets/{id}/audits", "429")
    metrics.api_retry("rate_limited", 7.0)
    values = samples(metrics)
    audits = 'endpoint="/api/v2/tickets/{id}/audits",method="GET"'
    assert values[f'zdsync_api_requests_total{{{audits},status="200"}}'] == 1
    assert values[f'zdsync_api_requests_total{{{audits},status="429"}}'] == 1
    assert values['zdsync_api_rate_limited_total{endpoint="/api/v2/tickets/{id}/audits"}'] == 1
    assert values['zdsync_api_retries_total{reason="rate_limited"}'] == 1
    assert values['zdsync_api_retry_wait_seconds_total{reason="rate_limited"}'] == 7.0


def test_each_daemon_has_its_own_registry_with_the_process_metrics() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.api_retry("unavailable", 1.0)
    assert samples(first)['zdsync_api_retries_total{reason="unavailable"}'] == 1
    assert 'zdsync_api_retries_total{reason="unavailable"}' not in samples(second)
    assert "process_resident_memory_bytes" in samples(first)
    assert "python_info" in " ".join(samples(first))


def test_metrics_are_served_over_http_for_prometheus() -> None:
    metrics = PrometheusMetrics()
    server = MetricsServer(
        metrics.exposition, lambda: (True, {"status": "ok"}), host="127.0.0.1", port=0
    ).start()
    try:
        answer = requests.get(server.url, timeout=5)
        missing = requests.get(server.url.replace("/metrics", "/nope"), timeout=5)
    finally:
        server.stop()
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE zdsync_cycles_total counter" in answer.text
    assert "zdsync_cycles_total 0.0" in answer.text
    assert missing.status_code == 404


def test_tickets_that_cannot_be_read_are_a_gauge() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.zendesk.spoiled_in_export[7] = "status is None, expected a string"
    world.writer.fail_next["show"] = [TicketUnreadable("GET ticket 7: unreadable", reason="x")]
    metrics = PrometheusMetrics()

    measured_cycle(world.writer, world.store, world.settings, world.clock, [metrics])
    assert samples(metrics)["zdsync_unreadable_tickets"] == 1

    measured_cycle(world.writer, world.store, world.settings, world.clock, [metrics])
    assert samples(metrics)["zdsync_unreadable_tickets"] == 0
