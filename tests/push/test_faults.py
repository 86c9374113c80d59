"""Fault injection: the push world run twice against the emulator, once without faults and
once with 429s, 500s and 503s, connection resets, slow answers, answers lost after the
change was applied (at once, and after the client's read timeout), a refused creation,
and agents editing tickets between the worker's read and its write (409). The faulty run
ends in the same Zendesk state as the clean one: each decision applied once, no duplicate
note or follow-up ticket, every agent's change kept.

The agents' edits happen in both runs. In the clean run they come before the first pull,
where they race nothing; in the faulty run just before the worker's update of the ticket.
Either way the worker's note comes after the agent's edit, and a decision the edit makes
moot is never applied (clean run: never decided; faulty run: ``conflict``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emulator import FaultKind, FaultRule
from tests.push.conftest import DECISIONS, FOLLOW_UPS, push_run, worker_comments

#: Ticket -> an agent's edit (see fixtures/scenarios/push.yaml for the slots).
RACES: dict[int, dict[str, Any]] = {
    # block 0, hand back due: the partner adds a note; the hand back still goes ahead
    2000: {"by": 21, "note": "Found the cause, writing it up."},
    # block 0, change request: a note while the follow-up is made; one follow-up ticket
    2005: {"by": 21, "note": "Change request form attached."},
    # block 1, pending by a partner: ISPnext allows it (exemption tag), Submit as Open is moot
    2012: {"by": 12, "add_tags": ["status_change_allowed"], "note": "Pending is fine here."},
    # block 1, three rules at once: a public reply; all three still go out, merged
    2017: {"by": 31, "reply": "We are on it."},
    # block 3, hand back due: the partner hands it back first; the worker's is moot
    2030: {"by": 31, "group": 100, "assignee": 12, "note": "Back to ISPnext."},
}
MOOT = {2012, 2030}


def faults() -> list[FaultRule]:
    put = r"/tickets/\d+$"
    return [
        FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT", path=put, nth=4, delay=3.0),
        FaultRule(FaultKind.STATUS, method="POST", path="tickets$", status=503, first=1),
        FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="POST", path="tickets$",
                  probability=0.3, seed=7),
        FaultRule(FaultKind.STATUS, method="PUT", path=put, status=429, retry_after=1,
                  probability=0.1, seed=1),
        FaultRule(FaultKind.STATUS, method="PUT", path=put, status=503, probability=0.1, seed=2),
        FaultRule(FaultKind.STATUS, method="PUT", path=put, status=500, probability=0.05, seed=8),
        FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT", path=put, probability=0.15,
                  seed=6),
        FaultRule(FaultKind.STATUS, method="GET", path="audits", status=500, probability=0.1,
                  seed=3),
        FaultRule(FaultKind.RESET, method="GET", probability=0.05, seed=4),
        FaultRule(FaultKind.RESET, method="PUT", path=put, probability=0.05, seed=9),
        FaultRule(FaultKind.SLOW, probability=0.05, delay=0.2, seed=5),
    ]  # fmt: skip


@pytest.mark.slow
def test_the_faulty_run_ends_in_the_same_state_as_the_clean_one(tmp_path: Path) -> None:
    with push_run(tmp_path, "clean") as clean:
        for ticket_id, edit in RACES.items():
            clean.emulator.act(ticket_id, **edit)
        clean.emulator.clock.advance(61)  # the export shows no change younger than a minute
        clean.until_settled()
        expected = clean.emulator.snapshot()
        clean_outbox = clean.store.outbox()

    rules = faults()
    with push_run(tmp_path, "faulty", faults=rules, request_timeout_seconds=2,
                  max_attempts=8) as faulty:  # fmt: skip
        faulty.zendesk.races = dict(RACES)
        faulty.until_settled()
        actual = faulty.emulator.snapshot()
        outbox = faulty.store.outbox()
        raced = faulty.zendesk.raced
        repulled = sum(c.push.repulled for c in faulty.cycles)

    assert actual == expected
    # The faults happened: every rule fired, every race was run and lost by the worker.
    assert {rule.kind: rule.fired for rule in rules if rule.fired == 0} == {}
    assert sorted(raced) == sorted(RACES) and repulled >= len(RACES)
    # What the equal end state is made of: each decision once, the agents' edits kept.
    assert len(clean_outbox) == DECISIONS - len(MOOT)
    assert Counter(e.state for e in clean_outbox) == {"applied": DECISIONS - len(MOOT)}
    assert len(outbox) == DECISIONS
    assert {e.ticket_id: e.state for e in outbox if e.state != "applied"} == dict.fromkeys(
        MOOT, "conflict"
    )
    for ticket_id in {e.ticket_id for e in outbox} - MOOT:
        assert len(worker_comments(actual, ticket_id)) == 1, ticket_id
    for ticket_id in MOOT:
        assert worker_comments(actual, ticket_id) == []
    for ticket_id, edit in RACES.items():
        bodies = [c["body"] for c in actual["tickets"][str(ticket_id)]["comments"]]
        assert (edit.get("note") or edit.get("reply")) in bodies
    assert len(actual["created_tickets"]) == FOLLOW_UPS
