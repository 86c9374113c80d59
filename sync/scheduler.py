"""The daemon: run the cycle every interval with APScheduler, one cycle at a time.

- The first cycle starts at once; the next one ``interval`` after the previous one was
  *scheduled* (APScheduler's interval trigger). A cycle that overruns its slot is not run
  twice: missed runs are coalesced into one (``coalesce``, ``max_instances=1``).
- A failing cycle is logged and the daemon goes on; the next cycle retries (every step
  commits its own transaction, so nothing is lost). A cycle fails when it raises or when
  what it returns says ``failed`` (as the metrics count them). A known error (our
  ``WorkerError``: wrong token, Zendesk or the database down) is one line each cycle; only
  an unexpected exception (a bug) comes with its traceback.
- Shutdown: the first SIGTERM/SIGINT starts no new cycle and stops the running one at its
  next safe boundary (``sync.stopping``: after the export page, the ticket's audits, the
  ticket being pushed), then the daemon exits 0; a second signal exits at once (130).
  Killing it outright is safe too: a cycle resumes from what was committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from sync.errors import WorkerError
from sync.stopping import Stopping, stop_on_signals

log = logging.getLogger(__name__)

#: How often the main thread looks whether a stop was asked for. It only sleeps and looks:
#: a signal handler then never interrupts it inside the scheduler's or the executor's own
#: locking (shutting the scheduler down from the handler deadlocked when SIGTERM came while
#: the scheduler was handing a cycle to its thread, which holds the lock shutdown takes).
STOP_POLL_SECONDS = 0.2


class Outcome(Protocol):
    @property
    def failed(self) -> bool: ...


#: One cycle; what it returns (a ``CycleReport``) says whether it failed.
Job = Callable[[], Outcome | None]


class Daemon:
    def __init__(
        self,
        job: Job,
        interval: timedelta,
        *,
        name: str = "cycle",
        stopping: Stopping | None = None,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError("the interval must be positive")
        self.job = job
        self.interval = interval
        self.name = name
        self.cycles = 0
        self.failures = 0
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        #: What the running job consults at its safe boundaries; a signal sets it.
        self.stopping = stopping or Stopping()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    def run(self, *, install_signals: bool = True) -> int:
        """Block until stopped; the exit code for the process."""
        if install_signals:
            stop_on_signals(self.stopping, also=self.stop)
        self._scheduler.add_job(
            self._run_job,
            IntervalTrigger(seconds=self.interval.total_seconds(), timezone=UTC),
            id=self.name,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=max(1, int(self.interval.total_seconds())),
        )
        log.info("daemon: a %s every %s; SIGTERM stops it at the next safe boundary",
                 self.name, self.interval, extra={"step": "daemon"})  # fmt: skip
        self._scheduler.start()  # the cycles run on the executor's thread
        while not self._stopping:
            time.sleep(STOP_POLL_SECONDS)
        self._scheduler.shutdown(wait=False)
        self._idle.wait()  # the running cycle ends at its next safe boundary
        log.info("daemon: stopped after %d %s(s), %d failed", self.cycles, self.name,
                 self.failures, extra={"step": "daemon", "counts": {
                     "cycles": self.cycles, "failed": self.failures}})  # fmt: skip
        return 0

    def stop(self) -> None:
        """Start no new cycle; the running one (if any) ends as ``stopping`` tells it.
        Only sets a flag, so it is safe from a signal handler and from any thread."""
        self._stopping = True

    def _run_job(self) -> None:
        if self._stopping:
            return
        self._idle.clear()
        try:
            outcome = self.job()
            self.failures += bool(outcome is not None and outcome.failed)
        except WorkerError as exc:
            # Known and explained by its message (a refused token, an outage): one line.
            self.failures += 1
            log.error("daemon: %s failed: %s", self.name, exc,
                      extra={"step": "daemon", "error": type(exc).__name__})  # fmt: skip
        except Exception:
            # A bug must not end the daemon either; the next cycle tries again.
            self.failures += 1
            log.exception("daemon: %s failed", self.name, extra={"step": "daemon"})
        finally:
            self.cycles += 1
            self._idle.set()
