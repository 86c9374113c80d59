"""The push's circuit breaker: when Zendesk, not the change, is the problem, stop.

An answer about the account or the network (``sync.errors.is_outage``: unavailable after
the retry policy gave up, throttled past it, the worker's access refused) says nothing
about the change that met it, and the next ticket would meet it too. So the first such
answer stops the push for this cycle: the entry it met and every one not tried yet stay
as they are (pending, their attempts untouched) for the next cycle, and the stop is
reported with its reason and how many entries wait.

A lost answer (a write sent, no answer back) is weaker evidence: one is a glitch, and the
ticket is re-pulled to see whether the write landed. ``LOST_IN_A_ROW`` of them without a
good answer in between mean a Zendesk that accepts requests and never answers: the push
stops too. A re-pull that meets an outage stops it at once.
"""

from __future__ import annotations

import logging

from sync.errors import ZendeskError
from sync.push.outcomes import PushReport

log = logging.getLogger("sync.push")

#: Writes in a row whose answer was lost before the push stops.
LOST_IN_A_ROW = 3


class Breaker:
    """Trips once per push run; the run reads ``tripped`` before each ticket."""

    def __init__(self, report: PushReport) -> None:
        self.report = report
        self.lost_in_a_row = 0

    @property
    def tripped(self) -> bool:
        return self.report.stopped

    def trip(self, where: str, exc: ZendeskError) -> None:
        """An outage answer: stop the push for this cycle (the first reason is kept)."""
        if self.report.stopped:
            return
        self.report.stopped = True
        self.report.stopped_by = f"{where}: {exc}"
        log.error("push stopped: Zendesk or the network failed (%s: %s); the rest waits for "
                  "the next cycle, no attempt counted", where, exc)  # fmt: skip

    def lost(self, where: str, exc: ZendeskError) -> None:
        """A write without an answer: counted; ``LOST_IN_A_ROW`` in a row trip the breaker."""
        self.lost_in_a_row += 1
        if self.lost_in_a_row >= LOST_IN_A_ROW:
            self.trip(f"{where} (the answer to {self.lost_in_a_row} writes in a row was lost)",
                      exc)  # fmt: skip

    def answered(self) -> None:
        """Zendesk answered a write: it is there."""
        self.lost_in_a_row = 0
