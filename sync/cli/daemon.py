"""``zdsync run``: the daemon, with what operations watch — Prometheus metrics and a health
check served at ``--metrics-port`` (``/metrics``, ``/healthz``)."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from adapters.metrics import MetricsServer, PrometheusMetrics
from adapters.store import SqlStore
from sync.cli.clocks import clock_for
from sync.cli.wiring import (
    dry_run,
    exclusive,
    notifier_for,
    settings_from,
    store_for,
    zendesk_for,
)
from sync.config import Settings
from sync.cycle import CycleReport
from sync.errors import LockHeld, StoreUnreachable
from sync.health import HasOutbox, HealthState, probe_database
from sync.metrics import measured_cycle
from sync.ports import Clock, CycleObserver, Zendesk
from sync.scheduler import Daemon
from sync.stopping import Stopping

log = logging.getLogger("zdsync")

#: Seconds between tries of a database server that does not answer at start-up.
DATABASE_RETRY_SECONDS = 5.0
#: Of those tries, every how many says again that the daemon is waiting.
DATABASE_RETRY_LOG_EVERY = 12


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    clock = clock_for(args, running=True)  # --now: the cycles start there and run on
    store = store_when_reachable(settings, clock)
    metrics = PrometheusMetrics()
    stopping = Stopping()
    client = zendesk_for(settings, observer=metrics, stopping=stopping)
    interval = timedelta(seconds=settings.sync.interval_seconds)
    health = HealthState(
        clock.now(), interval=interval, stale_after_intervals=settings.sync.stale_after_intervals
    )
    notifier = notifier_for(settings)
    observers: list[CycleObserver] = [metrics, health, *([notifier] if notifier else [])]
    job = partial(
        daemon_cycle, client, store, settings, clock, observers,
        dry_run=dry_run(args, settings), stop=stopping,
    )  # fmt: skip
    server = None
    if args.metrics_port is not None:
        check = partial(health_check, health, store, clock)
        server = MetricsServer(
            metrics.exposition, check, host=args.metrics_host, port=args.metrics_port
        ).start()
    try:
        return Daemon(job, interval, stopping=stopping).run()
    finally:
        if server is not None:
            server.stop()
        if notifier is not None:
            notifier.close()
        client.close()


def store_when_reachable(
    settings: Settings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
) -> SqlStore:
    """The store, once its server answers. A database down when the daemon starts (its
    container still starting, a failover) is an outage to wait out, not a configuration
    error: the daemon says so and tries again every ``DATABASE_RETRY_SECONDS`` (SIGTERM
    ends the wait). A URL that cannot work (``StoreUnusable``: exit 2) or a schema that is
    behind stops it at once."""
    tries = 0
    while True:
        try:
            store = store_for(settings, clock)
        except StoreUnreachable as exc:
            if tries % DATABASE_RETRY_LOG_EVERY == 0:
                log.error("daemon: %s; waiting for the database, trying again every %.0fs",
                          exc, DATABASE_RETRY_SECONDS)  # fmt: skip
            tries += 1
            sleep(DATABASE_RETRY_SECONDS)
            continue
        if tries:
            log.info("daemon: the database answers after %d tr(y/ies)", tries + 1)
        return store


def daemon_cycle(
    zendesk: Zendesk,
    store: SqlStore,
    settings: Settings,
    clock: Clock,
    observers: Sequence[CycleObserver],
    *,
    dry_run: bool = False,
    stop: Stopping | None = None,
) -> CycleReport | None:
    """One of the daemon's cycles, or none when another process holds the worker lock (a
    replica, an operator's ``zdsync once``): then this one waits for the next interval."""
    try:
        with exclusive(store, "run"):  # a dry run still pulls into the mirror
            return measured_cycle(
                zendesk, store, settings, clock, observers, dry_run=dry_run, stop=stop
            )
    except LockHeld as exc:
        log.info("daemon: %s; skipping this cycle", exc)
        return None


def health_check(
    state: HealthState, store: HasOutbox, clock: Clock
) -> tuple[bool, Mapping[str, Any]]:
    """What ``/healthz`` answers now: the cycles' state and a fresh look at the database."""
    health = state.assess(clock.now(), probe_database(store))
    return health.healthy, health.body
