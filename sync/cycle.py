"""One cycle: pull -> decide -> push. What ``zdsync once`` runs, and the daemon every interval.

Each step commits its own transactions, so a cycle killed anywhere loses nothing and
repeats nothing: the next one resumes from the export cursor, the decide mark and the
outbox. A dry run still pulls (reading Zendesk into the local mirror is what lets it show
the truth), then decides and plans the push without writing the outbox or Zendesk: the
decisions it would enqueue are planned along with those already pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sync.config import Settings
from sync.decide import DecideReport, decide, outbox_entry
from sync.outcomes import PushReport
from sync.ports import Clock, Zendesk
from sync.pull import PullReport, pull
from sync.push import PushingStore, push

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CycleReport:
    pull: PullReport
    decide: DecideReport
    push: PushReport

    @property
    def failed(self) -> bool:
        """Anything went wrong: a pull error, nothing to decide on, an entry that failed."""
        return bool(
            self.pull.errors or self.decide.problem or self.push.problem or self.push.failed
        )

    def summary(self) -> str:
        verdict = "with failures" if self.failed else "ok"
        return (
            f"cycle {verdict}: pull {self.pull.seconds:.1f}s, "
            f"{len(self.decide.lines)} decision(s) ({self.decide.new} new), "
            f"push: {self.push.summary()}"
        )


def run_cycle(
    zendesk: Zendesk,
    store: PushingStore,
    settings: Settings,
    clock: Clock,
    *,
    dry_run: bool = False,
) -> CycleReport:
    """Pull, decide and push once."""
    pulled = pull(zendesk, store, settings, clock)
    decided = decide(store, settings, clock, dry_run=dry_run)
    # What a dry-run decide would have enqueued, planned along with what is pending.
    proposed = [outbox_entry(line.decision, decided.now) for line in decided.lines if line.new]
    pushed = push(store, zendesk, settings, clock, dry_run=dry_run, proposed=proposed)
    report = CycleReport(pulled, decided, pushed)
    log.info("%s", report.summary())
    return report
