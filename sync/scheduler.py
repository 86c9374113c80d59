"""The daemon: run the cycle every interval with APScheduler, one cycle at a time.

- The first cycle starts at once; the next one ``interval`` after the previous one was
  *scheduled* (APScheduler's interval trigger). A cycle that overruns its slot is not run
  twice: missed runs are coalesced into one (``coalesce``, ``max_instances=1``).
- A failing cycle is logged and the daemon goes on; the next cycle retries (every step
  commits its own transaction, so nothing is lost).
- Warm shutdown (as arq/rq do): the first SIGTERM/SIGINT lets the running cycle finish,
  then the daemon exits 0; a second signal exits at once (130). Killing it outright is
  safe too: a cycle resumes from what was committed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

Job = Callable[[], object]


class Daemon:
    def __init__(self, job: Job, interval: timedelta, *, name: str = "cycle") -> None:
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
        self._scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    def run(self, *, install_signals: bool = True) -> int:
        """Block until stopped; the exit code for the process."""
        if install_signals:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        self._scheduler.add_job(
            self._run_job,
            IntervalTrigger(seconds=self.interval.total_seconds(), timezone=UTC),
            id=self.name,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=max(1, int(self.interval.total_seconds())),
        )
        log.info("daemon: a %s every %s; SIGTERM stops it after the current one",
                 self.name, self.interval)  # fmt: skip
        if not self._stopping:  # stop() may come before the scheduler runs
            self._scheduler.start()  # returns after stop()
        self._idle.wait()
        log.info("daemon: stopped after %d %s(s), %d failed", self.cycles, self.name,
                 self.failures)  # fmt: skip
        return 0

    def stop(self) -> None:
        """Finish the running cycle (if any), start no new one."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping:
            log.warning("daemon: second signal, exiting now (work so far is committed)")
            os._exit(130)
        log.info("daemon: %s received; finishing the current %s", signal.Signals(signum).name,
                 self.name)  # fmt: skip
        self.stop()

    def _run_job(self) -> None:
        if self._stopping:
            return
        self._idle.clear()
        try:
            self.job()
        except Exception:
            # A bug or an outage must not end the daemon; the next cycle tries again.
            self.failures += 1
            log.exception("daemon: %s failed", self.name)
        finally:
            self.cycles += 1
            self._idle.set()
