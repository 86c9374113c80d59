"""What a push run reports: the changes it sent (or would send) and every entry's outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sync.records import TicketChange


@dataclass(frozen=True)
class PlannedChange:
    """A change as sent (or, in a dry run, as it would be sent)."""

    ticket_id: int
    keys: tuple[str, ...]
    change: TicketChange
    #: "update" (one safe update) or "update_many".
    via: str


@dataclass
class PushReport:
    now: datetime
    dry_run: bool
    problem: str | None = None
    tickets: int = 0
    rounds: int = 0
    #: Entries per outcome: applied, conflict, skipped, failed; "pending" for those left to
    #: the next cycle; "planned" for those a dry run would send.
    outcomes: Counter[str] = field(default_factory=Counter)
    planned: list[PlannedChange] = field(default_factory=list)
    follow_ups_created: int = 0
    #: Keys of the entries Zendesk applied in this run, in order (for notifications).
    applied: list[str] = field(default_factory=list)
    repulled: int = 0
    #: The push stopped early: Zendesk or the network failed (``sync.push.breaker``).
    stopped: bool = False
    #: Where and what stopped it.
    stopped_by: str | None = None
    #: Entries left unsent because of the stop: pending, no attempt counted.
    left: int = 0
    #: Why the push stopped early when asked to (a signal, the cycle's deadline).
    interrupted: str | None = None
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return self.outcomes["failed"]

    def log_fields(self) -> dict[str, object]:
        """The figures of the summary, for structured logs."""
        counts = {"tickets": self.tickets, "changes": len(self.planned), "rounds": self.rounds,
                  "follow_ups_created": self.follow_ups_created, "repulled": self.repulled,
                  **self.outcomes}  # fmt: skip
        return {"step": "push", "counts": counts, "duration_s": round(self.seconds, 3)}

    def summary(self) -> str:
        if self.problem:
            return f"nothing pushed: {self.problem}"
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.outcomes.items()))
        mode = " (dry run: nothing sent, nothing written)" if self.dry_run else ""
        stop = ""
        if self.stopped:
            stop = (f"; stopped early ({self.stopped_by}): {self.left} entr(y/ies) left for the "
                    "next cycle, no attempt counted")  # fmt: skip
        if self.interrupted:
            stop += f"; stopped early: {self.interrupted}"
        verb = "planned" if self.dry_run else "sent"
        return (
            f"{self.tickets} ticket(s), {len(self.planned)} change(s) {verb} in "
            f"{self.rounds} round(s); entries: {counts or 'none'}; "
            f"{self.follow_ups_created} follow-up ticket(s) created, {self.repulled} "
            f"re-pulled, {self.seconds * 1000:.0f} ms{stop}{mode}"
        )
