"""Stopping at the next safe boundary: how SIGTERM, SIGINT and a cycle's deadline end the
work without cutting it anywhere unsafe.

One ``Stopping`` object per process. It is asked to stop by the signal handlers
(``request``) or by the deadline of the cycle running (``begin_cycle``). The steps consult
``reason`` at their safe boundaries, each right after something was committed whole:

- pull: after the directory was stored, after each export page was stored with its cursor,
  after each ticket's audits were stored;
- the cycle: before decide, before push;
- push: after each ticket was pushed and its outcome recorded, after each bulk group,
  between rounds.

The Zendesk client's waits (retry backoff, 429 Retry-After, the export's pacing, polling an
update_many job) go through ``sleep``, which gives up at once when a stop is requested:
it raises ``StopRequested`` before the next request is sent, so a stop never waits for a
backoff and nothing is sent after it. A request already on the wire is waited for (at
most ``sync.request_timeout_seconds``): its answer is what makes the boundary safe.

What is left undone is exactly what a next run does first: the export resumes from the
stored cursor, flagged tickets still need their audits, entries not pushed are still
pending (a follow-up ticket requested but unanswered is asked again with the same
Idempotency-Key).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from sync.errors import StopRequested

log = logging.getLogger(__name__)
T = TypeVar("T")
Monotonic = Callable[[], float]

#: Exit codes of a command that a signal stopped at a safe boundary before it finished
#: (README "Exit codes"); the daemon exits 0: a signal is how it is meant to end.
SIGNAL_EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}
#: A second signal exits at once, without waiting for a boundary (still safe: every
#: transaction is whole, as after kill -9).
AT_ONCE_EXIT_CODE = 130


class Stopping:
    """Whether the work should stop at its next safe boundary, and why."""

    def __init__(self, *, monotonic: Monotonic = time.monotonic) -> None:
        self._monotonic = monotonic
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._requested: str | None = None
        #: The signal that asked for the stop, if one did.
        self.signal: signal.Signals | None = None
        self._deadline: float | None = None
        self._deadline_seconds = 0.0

    def request(self, reason: str, *, by: signal.Signals | None = None) -> None:
        """Stop at the next boundary (safe from a signal handler or another thread); the
        first reason given is the one reported."""
        with self._lock:
            if self._requested is None:
                self._requested = reason
                self.signal = by
        self._event.set()

    @property
    def requested(self) -> str | None:
        """Why a stop was requested (a signal), if it was; the deadline aside."""
        return self._requested

    def begin_cycle(self, deadline_seconds: float | None) -> None:
        """Arm the deadline of a cycle starting now (None: no deadline)."""
        with self._lock:
            self._deadline_seconds = deadline_seconds or 0.0
            self._deadline = (
                None if deadline_seconds is None else self._monotonic() + deadline_seconds
            )

    def end_cycle(self) -> None:
        with self._lock:
            self._deadline = None

    @property
    def reason(self) -> str | None:
        """Why to stop now, or None to go on."""
        if self._requested is not None:
            return self._requested
        deadline = self._deadline
        if deadline is not None and self._monotonic() >= deadline:
            return f"the cycle's deadline of {self._deadline_seconds:g}s passed"
        return None

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` unless a stop comes first; then raise ``StopRequested``."""
        deadline = self._deadline
        wait = seconds if deadline is None else min(seconds, deadline - self._monotonic())
        self._event.wait(max(wait, 0.0))
        reason = self.reason
        if reason is not None:
            raise StopRequested(reason)


def stop_on_signals(stopping: Stopping, *, also: Callable[[], None] | None = None) -> None:
    """SIGTERM and SIGINT ask ``stopping`` to stop at the next safe boundary (and call
    ``also``, e.g. the daemon starting no new cycle); a second one exits at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum)
        if stopping.requested is not None:
            log.warning("%s again: exiting now (what was committed stays)", name.name)
            os._exit(AT_ONCE_EXIT_CODE)
        log.info("%s received: stopping at the next safe boundary", name.name)
        stopping.request(f"{name.name} received", by=name)
        if also is not None:
            also()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_stoppable(work: Callable[[], T], stopping: Stopping) -> T:
    """Run ``work`` on a thread of its own, stopped by SIGTERM/SIGINT at its next safe
    boundary. The main thread only waits and takes the signals, so a handler never runs
    in the middle of the work's own locking."""
    stop_on_signals(stopping)
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=target, name="zdsync-work")
    worker.start()
    while worker.is_alive():
        worker.join(0.5)  # wakes for signals, which run their handler here
    if failure:
        raise failure[0]
    return outcome[0]


def exit_code(stopping: Stopping, *, failed: bool) -> int:
    """A command's exit code: the signal's when one stopped it before it was done, else 1
    when it failed or was left incomplete (the deadline), else 0."""
    if failed and stopping.signal is not None:
        return SIGNAL_EXIT_CODES.get(stopping.signal, AT_ONCE_EXIT_CODE)
    return 1 if failed else 0
