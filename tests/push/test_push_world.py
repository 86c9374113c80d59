"""The push world pushed over real HTTP without faults: every decision applied once, one
update per changed ticket, the follow-up tickets created, and a second cycle with nothing
to do."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.push.conftest import DECISIONS, FOLLOW_UPS, push_run, worker_comments


def test_one_cycle_applies_every_decision_once_with_one_update_per_ticket(
    tmp_path: Path,
) -> None:
    with push_run(tmp_path, "clean") as run:
        first = run.cycle()
        stats = run.emulator.stats()
        snapshot = run.emulator.snapshot()
        second = run.cycle()
        outbox = run.store.outbox()

    assert not first.failed, first.summary()
    assert len(outbox) == DECISIONS
    assert Counter(e.state for e in outbox) == {"applied": DECISIONS}
    changed = {e.ticket_id for e in outbox}
    assert stats["PUT /api/v2/tickets/{ticket_id}"] == len(changed)
    assert stats["POST /api/v2/tickets"] == FOLLOW_UPS
    for ticket_id in changed:
        (note,) = worker_comments(snapshot, ticket_id)
        refs = note.splitlines()[-1]
        assert all(e.rule in refs for e in outbox if e.ticket_id == ticket_id)
    assert len(snapshot["created_tickets"]) == FOLLOW_UPS
    assert {e.audit_id is not None for e in outbox} == {True}
    assert (second.decide.new, second.push.tickets, second.failed) == (0, 0, False)
