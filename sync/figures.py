"""What one cycle did, as plain data: the figures the daemon hands to its observers (the
Prometheus metrics, the health check, the webhook notifier) after every cycle.

A record of the shared vocabulary like ``sync.records``: adapters may read it, and it
knows nothing of how a cycle runs (``sync.metrics`` builds it from a cycle's report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CycleFigures:
    ended: datetime
    duration_seconds: float
    #: Anything went wrong: an error in a step, an entry that failed, the cycle raised.
    failed: bool
    #: What went wrong first, in one line (None when nothing did).
    error: str | None = None
    dry_run: bool = False
    exported: int = 0
    mirrored: int = 0
    bad_records: int = 0
    #: New decisions queued this cycle, per rule.
    decisions: Mapping[str, int] = field(default_factory=dict)
    #: Outbox entries settled this cycle, per outcome (applied, conflict, skipped, failed).
    push_outcomes: Mapping[str, int] = field(default_factory=dict)
    follow_ups_created: int = 0
    #: Keys (``rule:ticket:cause``) of the decisions Zendesk applied this cycle.
    applied: tuple[str, ...] = ()
    #: One line per push failure (``key: error``) and push-wide problem.
    push_errors: tuple[str, ...] = ()
    #: The store's state after the cycle (None when the store could not be read).
    outbox: Mapping[str, int] | None = None
    audits_pending: int | None = None
    #: Tickets Zendesk sent that cannot be read, remembered to be read again.
    unreadable_tickets: int | None = None
    #: How far the mirror trails Zendesk, in seconds (``sync.pull.step.CAUGHT_UP_KEY``);
    #: None before any pull.
    export_lag_seconds: float | None = None

    @property
    def applied_by_rule(self) -> dict[str, list[int]]:
        """Ticket ids of the applied decisions, per rule, in order."""
        found: dict[str, list[int]] = {}
        for key in self.applied:
            rule, ticket, _cause = key.split(":", 2)
            found.setdefault(rule, []).append(int(ticket))
        return found
