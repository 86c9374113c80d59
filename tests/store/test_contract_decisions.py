"""The DecisionStore contract: decide candidates (by change, by due time), bundles, the
outbox (dedupe by key, filters, settle) and the atomicity of ``record_decisions``.

Runs over SqlStore on SQLite and PostgreSQL and over FakeStore (fixture ``backend``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.clock import FixedClock
from sync.records import AuditBatch, OutboxEntry
from tests.fakes.decisions import DECIDE_MARK_KEY
from tests.store.builders import T0, audit, ticket
from tests.store.conftest import Backend

CURSOR = "export.after_cursor"
DECIDED = datetime(2025, 3, 4, 9, 0, 0, 654321, tzinfo=UTC)


def entry(key: str, ticket_id: int = 1, *, minutes: int = 0, **changes: Any) -> OutboxEntry:
    """A hand-back decision as the rules would enqueue it."""
    built = OutboxEntry(
        key=key,
        ticket_id=ticket_id,
        rule="hand_back",
        actions=(
            {"type": "assign", "group_id": 100, "assignee_id": 11},
            {"type": "add_note", "body": "Handed back after 2 h."},
        ),
        facts={"episode_audit_id": 77, "tracked_seconds": None, "marks": ["a", "b"]},
        decided_at=DECIDED + timedelta(minutes=minutes),
    )
    return dataclasses.replace(built, **changes)


def mirror(backend: Backend, *ids: int, cursor: str = "c") -> None:
    tickets = [ticket(i) for i in ids]
    backend.store.save_export_page(tickets, needs_audits=ids, cursor_key=CURSOR, cursor=cursor)


def decided(backend: Backend, now: datetime) -> tuple[list[int], int]:
    """Take the candidates at ``now`` and record them as decided, with nothing to enqueue."""
    ids, mark = backend.store.decide_candidates(now)
    backend.store.record_decisions([], next_due={}, mark=mark)
    return ids, mark


# -- candidates -----------------------------------------------------------------------


def test_an_empty_store_has_no_candidates_and_mark_zero(backend: Backend) -> None:
    assert backend.store.decide_candidates(DECIDED) == ([], 0)
    assert backend.store.decide_candidates(DECIDED, everything=True) == ([], 0)


def test_candidates_follow_page_and_audit_writes_past_the_recorded_mark(
    backend: Backend,
) -> None:
    store = backend.store
    mirror(backend, 2, 1)
    ids, mark = decided(backend, DECIDED)
    assert (ids, mark > 0) == ([1, 2], True)
    assert store.read_state(DECIDE_MARK_KEY) == str(mark)
    assert store.decide_candidates(DECIDED) == ([], mark)

    store.save_audits(AuditBatch(1, (audit(11, 1),)))
    store.clear_audit_flag(2)  # only the flag: not a change the rules can see
    ids, newer = store.decide_candidates(DECIDED)
    assert (ids, newer > mark) == ([1], True)
    mirror(backend, 3, cursor="c2")
    assert store.decide_candidates(DECIDED)[0] == [1, 3]


def test_the_mark_only_moves_when_recorded(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1)
    ids, mark = store.decide_candidates(DECIDED)
    store.record_decisions([], next_due={}, mark=None)
    assert store.decide_candidates(DECIDED) == (ids, mark)
    assert store.read_state(DECIDE_MARK_KEY) is None


def test_everything_returns_every_ticket_even_when_nothing_changed(backend: Backend) -> None:
    mirror(backend, 1, 2, 3)
    _, mark = decided(backend, DECIDED)
    assert backend.store.decide_candidates(DECIDED, everything=True) == ([1, 2, 3], mark)


def test_a_ticket_is_a_candidate_from_its_due_time_on_until_it_is_cleared(
    backend: Backend,
) -> None:
    store = backend.store
    mirror(backend, 1, 2)
    _, mark = decided(backend, DECIDED)
    due = DECIDED + timedelta(hours=2)
    store.record_decisions([], next_due={1: due, 2: due + timedelta(days=1)}, mark=mark)

    assert store.decide_candidates(due - timedelta(microseconds=1)) == ([], mark)
    assert store.decide_candidates(due) == ([1], mark)
    assert store.decide_candidates(due + timedelta(days=2)) == ([1, 2], mark)

    store.record_decisions([], next_due={1: None, 2: due + timedelta(days=3)}, mark=mark)
    assert store.decide_candidates(due + timedelta(days=2)) == ([], mark)
    assert store.decide_candidates(due + timedelta(days=3)) == ([2], mark)


def test_a_due_time_must_be_timezone_aware(backend: Backend) -> None:
    mirror(backend, 1)
    with pytest.raises(ValueError, match="naive"):
        backend.store.record_decisions([], next_due={1: datetime(2025, 3, 4, 11)}, mark=None)


# -- bundles ------------------------------------------------------------------------------


def test_bundles_hold_the_mirrored_tickets_with_their_audits_oldest_first(
    backend: Backend,
) -> None:
    store = backend.store
    mirror(backend, 3, 1, 2)
    later, earlier = audit(12, 1, at=timedelta(hours=2)), audit(11, 1, at=timedelta(hours=1))
    store.save_audits(AuditBatch(1, (later, earlier)))
    store.save_audits(AuditBatch(3, (audit(31, 3, events=1),)))

    bundles = store.load_bundles([3, 1, 2, 99, 1])
    assert [b.ticket.id for b in bundles] == [1, 2, 3]
    for bundle in bundles:
        assert bundle.ticket == store.get_ticket(bundle.ticket.id)
        assert bundle.ticket.raw == ticket(bundle.ticket.id).raw
        assert list(bundle.audits) == store.get_audits(bundle.ticket.id)
    assert [a.id for a in bundles[0].audits] == [11, 12]
    assert bundles[0].audits[0].events == earlier.events
    assert bundles[1].audits == ()
    assert store.load_bundles([]) == []


# -- the outbox ---------------------------------------------------------------------------


def test_entries_are_read_back_as_enqueued(backend: Backend, clock: FixedClock) -> None:
    store = backend.store
    assert store.record_decisions([entry("k1")], next_due={}, mark=None) == ["k1"]
    (stored,) = store.outbox()
    assert stored == dataclasses.replace(entry("k1"), updated_at=clock.now())
    assert stored.decided_at.utcoffset() == timedelta(0)
    assert stored.decided_at.microsecond == 654321
    assert list(stored.actions[0].items()) == list(entry("k1").actions[0].items())


def test_deciding_twice_enqueues_once_and_leaves_the_first_entry_alone(
    backend: Backend,
) -> None:
    store = backend.store
    first = store.record_decisions([entry("k1"), entry("k2")], next_due={}, mark=None)
    store.settle("k1", state="applied", audit_id=501)
    again = entry("k1", facts={"other": True}, minutes=5)
    second = store.record_decisions([again, entry("k3"), entry("k3", 2)], next_due={}, mark=None)

    assert (first, second) == (["k1", "k2"], ["k3"])
    by_key = {e.key: e for e in store.outbox()}
    assert list(by_key) == ["k1", "k2", "k3"]
    assert (by_key["k1"].state, by_key["k1"].facts, by_key["k1"].attempts) == (
        "applied",
        entry("k1").facts,
        1,
    )
    assert by_key["k3"].ticket_id == 1  # the first of a repeated key wins
    assert store.counts()["outbox"] == 3


def test_record_decisions_is_all_or_nothing(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1, 2)
    _, mark = decided(backend, DECIDED)
    store.record_decisions([entry("k0")], next_due={2: DECIDED}, mark=mark)
    mirror(backend, 1, cursor="c2")
    ids, newer = store.decide_candidates(DECIDED)

    with backend.failing_key(DECIDE_MARK_KEY), pytest.raises(RuntimeError, match="injected"):
        store.record_decisions(
            [entry("k1"), entry("k2", 2)], next_due={1: DECIDED, 2: None}, mark=newer
        )

    assert [e.key for e in store.outbox()] == ["k0"]
    assert store.decide_candidates(DECIDED) == (ids, newer)  # 1 changed, 2 still due
    assert store.read_state(DECIDE_MARK_KEY) == str(mark)


def test_an_entry_in_an_unknown_state_is_refused_and_nothing_is_written(
    backend: Backend,
) -> None:
    store = backend.store
    with pytest.raises(ValueError, match="'done' is not one of"):
        store.record_decisions([entry("k1"), entry("k2", state="done")], next_due={}, mark=None)
    assert store.outbox() == []


def test_the_outbox_filters_by_state_and_ticket_oldest_decision_first(backend: Backend) -> None:
    store = backend.store
    store.record_decisions(
        [entry("late", 1, minutes=10), entry("a", 1), entry("b", 2), entry("c", 1)],
        next_due={},
        mark=None,
    )
    store.settle("c", state="failed", error="HTTP 500")
    store.settle("b", state="applied")

    assert [e.key for e in store.outbox()] == ["a", "b", "c", "late"]
    assert [e.key for e in store.outbox(states=["pending"])] == ["a", "late"]
    assert [e.key for e in store.outbox(ticket_id=1)] == ["a", "c", "late"]
    assert [e.key for e in store.outbox(states={"failed", "applied"}, ticket_id=1)] == ["c"]
    assert store.outbox(ticket_id=3) == []
    with pytest.raises(ValueError, match="'done' is not one of"):
        store.outbox(states=["done"])


def test_settle_counts_attempts_and_keeps_what_zendesk_said(
    backend: Backend, clock: FixedClock
) -> None:
    store = backend.store
    store.record_decisions([entry("k1")], next_due={}, mark=None)
    clock.advance(timedelta(minutes=1))
    store.settle("k1", state="pending", error="HTTP 503", created_ticket_id=2001)
    clock.advance(timedelta(minutes=1))
    store.settle("k1", state="applied", audit_id=9001)

    (settled,) = store.outbox()
    assert settled.state == "applied"
    assert settled.attempts == 2
    assert settled.last_error is None
    assert (settled.audit_id, settled.created_ticket_id) == (9001, 2001)
    assert settled.updated_at == clock.now()
    assert settled.decided_at == DECIDED


def test_settle_refuses_an_unknown_key_or_state(backend: Backend) -> None:
    store = backend.store
    store.record_decisions([entry("k1")], next_due={}, mark=None)
    with pytest.raises(LookupError, match="'nope'"):
        store.settle("nope", state="applied")
    with pytest.raises(ValueError, match="'done' is not one of"):
        store.settle("k1", state="done")
    assert store.outbox()[0].attempts == 0


def test_decision_tables_are_counted(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1)
    store.record_decisions([entry("k1")], next_due={1: T0}, mark=None)
    counts = store.counts()
    assert (counts["outbox"], counts["ticket_due"]) == (1, 1)
