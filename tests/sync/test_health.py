"""``/healthz`` tells the truth: 200 while a cycle succeeded within
``sync.stale_after_intervals`` intervals and the database answers; 503 when the last success
is older (or none came since the start) or the database is unreachable; the same small JSON
body either way. Served over a real socket, the database asked at each probe."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from adapters.metrics import MetricsServer, PrometheusMetrics
from adapters.store import SqlStore, store_engine
from sync.cli.daemon import health_check
from sync.clock import FixedClock
from sync.config import load_settings
from sync.cycle import remember_cycle_end
from sync.errors import ConfigError
from sync.figures import CycleFigures
from sync.health import HasOutbox, HealthState
from sync.records import OutboxEntry
from tests.fakes.store import FakeStore

START = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


def served(state: HealthState, store: HasOutbox, clock: FixedClock) -> Iterator[str]:
    server = MetricsServer(
        PrometheusMetrics().exposition,
        lambda: health_check(state, store, clock),
        host="127.0.0.1",
        port=0,
    ).start()
    try:
        yield server.health_url
    finally:
        server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def state() -> HealthState:
    return HealthState(START, interval=INTERVAL, stale_after_intervals=3)


@pytest.fixture
def store(clock: FixedClock) -> FakeStore:
    return FakeStore(clock=clock)


@pytest.fixture
def healthz(state: HealthState, store: FakeStore, clock: FixedClock) -> Iterator[str]:
    yield from served(state, store, clock)


def cycle(at: datetime, *, error: str | None = None) -> CycleFigures:
    return CycleFigures(ended=at, duration_seconds=1.0, failed=error is not None, error=error)


def fail_one_entry(store: FakeStore, clock: FixedClock) -> None:
    entry = OutboxEntry(
        key="hand_back:7:episode-1", ticket_id=7, rule="hand_back", actions=(), facts={},
        decided_at=clock.now(),
    )  # fmt: skip
    store.record_decisions([entry], next_due={}, mark=None)
    store.settle(entry.key, state="failed", error="422 closed")


def test_healthy_after_a_recent_success(
    healthz: str, state: HealthState, store: FakeStore, clock: FixedClock
) -> None:
    fail_one_entry(store, clock)
    state.cycle_ended(cycle(START + timedelta(minutes=1)))
    state.cycle_ended(cycle(START + timedelta(minutes=2), error="export: 503"))
    clock.advance(timedelta(minutes=3))

    answer = requests.get(healthz, timeout=10)

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["last_success"] == (START + timedelta(minutes=1)).isoformat()
    assert body["last_error"] == "export: 503"
    assert body["last_error_at"] == (START + timedelta(minutes=2)).isoformat()
    assert body["failed_cycles_in_a_row"] == 1
    assert body["outbox_failed"] == 1
    assert body["stale_after_seconds"] == 180


def test_stale_when_the_last_success_is_older_than_the_allowed_intervals(
    healthz: str, state: HealthState, clock: FixedClock
) -> None:
    state.cycle_ended(cycle(START + timedelta(minutes=1)))
    clock.advance(timedelta(minutes=4))  # exactly 3 intervals after the success: still ok
    assert requests.get(healthz, timeout=10).status_code == 200
    clock.advance(timedelta(seconds=1))

    answer = requests.get(healthz, timeout=10)

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy"
    assert body["problems"] == [
        f"no successful cycle since {(START + timedelta(minutes=1)).isoformat()} "
        "(more than 180s ago)"
    ]
    assert body["outbox_failed"] == 0


def test_a_daemon_whose_cycles_never_succeed_turns_unhealthy_after_its_grace(
    healthz: str, state: HealthState, clock: FixedClock
) -> None:
    state.cycle_ended(cycle(START + timedelta(seconds=5), error="401 Unauthorized"))
    clock.advance(timedelta(minutes=2))
    assert requests.get(healthz, timeout=10).status_code == 200  # still starting up
    clock.advance(timedelta(minutes=2))
    answer = requests.get(healthz, timeout=10)
    assert answer.status_code == 503
    assert answer.json()["problems"][0].startswith("no cycle has succeeded yet since")
    assert answer.json()["last_error"] == "401 Unauthorized"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there any more


def test_unhealthy_when_the_database_is_unreachable(state: HealthState, clock: FixedClock) -> None:
    url = f"postgresql+psycopg://zdsync@127.0.0.1:{closed_port()}/zdsync?connect_timeout=5"
    unreachable = SqlStore(store_engine(url), clock=clock)
    state.cycle_ended(cycle(START))
    for healthz in served(state, unreachable, clock):
        answer = requests.get(healthz, timeout=30)
    assert answer.status_code == 503
    body = answer.json()
    assert body["outbox_failed"] is None
    assert len(body["problems"]) == 1
    assert body["problems"][0].startswith("database unreachable: ")
    assert "connection refused" in body["problems"][0].lower()
    assert body["last_success"] == START.isoformat()


def test_the_allowed_staleness_is_read_from_the_config_file() -> None:
    base = "ispnext: {groups: [{id: 1, name: I}]}\npartners: [{name: P, group_id: 2}]\n"
    settings = load_settings({}, config_text=base + "sync: {stale_after_intervals: 5}\n",
                             need_zendesk=False)  # fmt: skip
    assert settings.sync.stale_after_intervals == 5
    with pytest.raises(ConfigError, match=r"sync\.stale_after_intervals: expected a positive"):
        load_settings({}, config_text=base + "sync: {stale_after_intervals: 0}\n",
                      need_zendesk=False)  # fmt: skip


def test_a_standby_replica_is_healthy_while_another_worker_succeeds(
    healthz: str, state: HealthState, store: FakeStore, clock: FixedClock
) -> None:
    """The standby skips its cycles (another worker holds the lock): its own figures have no
    success, the database's record of the last cycle has the active worker's."""
    clock.advance(timedelta(minutes=10))
    remember_cycle_end(store, clock, failed=False, seconds=1.0)  # the active worker's cycle
    clock.advance(timedelta(minutes=1))
    remember_cycle_end(store, clock, failed=True, seconds=1.0, error=RuntimeError("503"))
    clock.advance(timedelta(minutes=1))

    answer = requests.get(healthz, timeout=10)

    assert answer.status_code == 200, answer.json()
    assert answer.json()["last_success"] == (START + timedelta(minutes=10)).isoformat()
    clock.advance(timedelta(minutes=2, seconds=1))  # 3 intervals after the active one's success
    answer = requests.get(healthz, timeout=10)
    assert answer.status_code == 503
    assert answer.json()["problems"][0].startswith("no successful cycle since")
