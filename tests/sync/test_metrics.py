"""The daemon's metrics: counters from cycle reports, gauges from the store after each cycle,
served in Prometheus's text format over HTTP."""

from __future__ import annotations

import requests

from adapters.metrics import MetricsServer
from sync.errors import ZendeskUnavailable
from sync.metrics import CycleMetrics, measured_cycle
from tests.sync.push_world import ALICE, World


def samples(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_a_cycle_is_counted_with_its_decisions_outcomes_and_the_outbox() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.later(hours=3)
    metrics = CycleMetrics()

    measured_cycle(world.writer, world.store, world.settings, world.clock, metrics)
    values = samples(metrics.render())

    assert values["zdsync_cycles_total"] == 1 and values["zdsync_cycle_failures_total"] == 0
    assert values['zdsync_decisions_total{rule="hand_back"}'] == 1
    assert values['zdsync_decisions_total{rule="submit_as_open"}'] == 1
    assert values['zdsync_push_outcomes_total{outcome="applied"}'] == 2
    assert values['zdsync_outbox_entries{state="applied"}'] == 2
    assert values['zdsync_outbox_entries{state="pending"}'] == 0
    assert values["zdsync_audits_pending"] == 0
    assert values["zdsync_last_success_timestamp_seconds"] == world.clock.now().timestamp()


def test_a_failing_cycle_is_counted_as_a_failure_and_keeps_the_last_success() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    metrics = CycleMetrics()
    measured_cycle(world.writer, world.store, world.settings, world.clock, metrics)
    success = samples(metrics.render())["zdsync_last_success_timestamp_seconds"]
    world.later(hours=1)
    world.writer.zendesk.fail_next["export"] = [ZendeskUnavailable("down")]

    measured_cycle(world.writer, world.store, world.settings, world.clock, metrics)
    values = samples(metrics.render())

    assert (values["zdsync_cycles_total"], values["zdsync_cycle_failures_total"]) == (2, 1)
    assert values["zdsync_last_success_timestamp_seconds"] == success
    assert values["zdsync_last_cycle_timestamp_seconds"] > success


def test_metrics_are_served_over_http_for_prometheus() -> None:
    metrics = CycleMetrics()
    server = MetricsServer(metrics.render, host="127.0.0.1", port=0).start()
    try:
        answer = requests.get(server.url, timeout=5)
        health = requests.get(server.url.replace("/metrics", "/healthz"), timeout=5)
        missing = requests.get(server.url.replace("/metrics", "/nope"), timeout=5)
    finally:
        server.stop()
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE zdsync_cycles_total counter" in answer.text
    assert samples(answer.text)["zdsync_cycles_total"] == 0
    assert (health.status_code, missing.status_code) == (200, 404)
