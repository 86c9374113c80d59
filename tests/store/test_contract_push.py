"""The PushStore contract: a ticket as Zendesk just sent it goes into the mirror (and is
decided again), the progress of a follow-up ticket, and the outbox summary of ``zdsync
status``.

Runs over SqlStore on SQLite and PostgreSQL and over FakeStore (fixture ``backend``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

import pytest

from sync.clock import FixedClock
from sync.ports import DecisionStore, MirrorStore, PushStore
from sync.records import FOLLOW_UP_REQUESTED, OUTBOX_STATES, AuditBatch, OutboxEntry
from tests.store.builders import T0, audit, ticket
from tests.store.conftest import Backend

CURSOR = "export.after_cursor"
DECIDED = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


class Store(MirrorStore, DecisionStore, PushStore, Protocol):
    """The three ports, as both implementations offer them."""


def store_of(backend: Backend) -> Store:
    return cast(Store, backend.store)


def entry(key: str, ticket_id: int = 1, *, minutes: int = 0) -> OutboxEntry:
    return OutboxEntry(
        key=key,
        ticket_id=ticket_id,
        rule="follow_up_ticket",
        actions=({"type": "add_tags", "tags": ["zdsync_change_request_ticket"]},),
        facts={"kind": "change_request"},
        decided_at=DECIDED + timedelta(minutes=minutes),
    )


# -- save_ticket ------------------------------------------------------------------------


def test_a_saved_ticket_replaces_the_mirrored_version_with_its_audits(backend: Backend) -> None:
    store = store_of(backend)
    store.save_export_page([ticket(1)], needs_audits=[], cursor_key=CURSOR, cursor="c1")
    store.save_audits(AuditBatch(1, (audit(11, 1),)))
    newer = ticket(1, status="pending", group_id=200, updated=timedelta(minutes=5))

    store.save_ticket(newer, [audit(12, 1, at=timedelta(minutes=5))])

    assert store.get_ticket(1) == newer
    stored = store.get_ticket(1)
    assert stored is not None and stored.raw == newer.raw
    assert [a.id for a in store.get_audits(1)] == [11, 12]
    assert store.get_audits(1)[1] == audit(12, 1, at=timedelta(minutes=5))
    assert store.read_state(CURSOR) == "c1"  # the export's cursor is not the push's business


def test_a_saved_ticket_is_decided_again(backend: Backend) -> None:
    store = store_of(backend)
    store.save_export_page([ticket(1), ticket(2)], needs_audits=[], cursor_key=CURSOR, cursor="c")
    _, mark = store.decide_candidates(DECIDED)
    store.record_decisions([], next_due={}, mark=mark)
    assert store.decide_candidates(DECIDED)[0] == []

    store.save_ticket(ticket(2, updated=timedelta(minutes=1)))

    assert store.decide_candidates(DECIDED)[0] == [2]


def test_a_ticket_not_mirrored_yet_is_added(backend: Backend) -> None:
    store = store_of(backend)
    store.save_ticket(ticket(7), [audit(70, 7)])
    assert store.get_ticket(7) == ticket(7)
    assert [a.id for a in store.get_audits(7)] == [70]


def test_the_audit_fetch_flag_stays_unless_all_audits_were_saved(backend: Backend) -> None:
    store = store_of(backend)
    store.save_export_page(
        [ticket(1), ticket(2)], needs_audits=[1, 2], cursor_key=CURSOR, cursor="c"
    )

    store.save_ticket(ticket(1, updated=timedelta(minutes=1)), [audit(11, 1)])
    store.save_ticket(ticket(2, updated=timedelta(minutes=1)), [audit(21, 2)], all_audits=True)

    assert store.tickets_needing_audits() == [1]


def test_an_answer_without_a_stamp_keeps_the_exports_stamp(backend: Backend) -> None:
    store = store_of(backend)
    exported = ticket(1, generated_timestamp=1_700_000_000)
    store.save_export_page([exported], needs_audits=[], cursor_key=CURSOR, cursor="c1")
    answered = ticket(1, status="pending", updated=timedelta(minutes=5), answer=True)

    store.save_ticket(answered)

    stored = store.get_ticket(1)
    assert stored is not None and (stored.status, stored.updated_at) == (
        "pending",
        answered.updated_at,
    )
    assert stored.generated_timestamp == 1_700_000_000
    store.save_ticket(ticket(2, answer=True))  # never exported: no stamp is known
    never_exported = store.get_ticket(2)
    assert never_exported is not None and never_exported.generated_timestamp is None


def test_an_export_row_older_than_the_answer_does_not_overwrite_it(backend: Backend) -> None:
    """Our update's answer is stored first; an export page read before it lands later."""
    store = store_of(backend)
    store.save_export_page([ticket(1)], needs_audits=[], cursor_key=CURSOR, cursor="c1")
    answered = ticket(1, status="pending", updated=timedelta(minutes=5), answer=True)
    store.save_ticket(answered)

    stale = ticket(1, status="open", subject="stale", generated_timestamp=int(T0.timestamp()) + 1)
    store.save_export_page([stale], needs_audits=[], cursor_key=CURSOR, cursor="c2")

    stored = store.get_ticket(1)
    assert stored is not None and (stored.status, stored.subject) == ("pending", "Ticket 1")
    assert store.read_state(CURSOR) == "c2"  # the page itself is stored
    newer = ticket(1, status="solved", updated=timedelta(minutes=9))
    store.save_export_page([newer], needs_audits=[], cursor_key=CURSOR, cursor="c3")
    assert store.get_ticket(1) == newer


def test_an_answer_older_than_the_mirrored_version_does_not_overwrite_it(
    backend: Backend,
) -> None:
    """An agent's change was exported before the answer to our (earlier) update arrived."""
    store = store_of(backend)
    agents = ticket(1, status="hold", updated=timedelta(minutes=9))
    store.save_export_page([agents], needs_audits=[1], cursor_key=CURSOR, cursor="c1")

    store.save_ticket(
        ticket(1, status="pending", updated=timedelta(minutes=5), answer=True),
        [audit(12, 1, at=timedelta(minutes=5))],
        all_audits=True,
    )

    assert store.get_ticket(1) == agents
    assert [a.id for a in store.get_audits(1)] == [12]  # the audit is real all the same
    assert store.tickets_needing_audits() == [1]  # the agent's version still needs its own


def test_at_the_same_updated_at_a_lower_stamp_loses(backend: Backend) -> None:
    """A system update moves only generated_timestamp; an export row from before it loses."""
    store = store_of(backend)
    later = ticket(1, subject="after the system update", generated_timestamp=2_000)
    store.save_export_page([later], needs_audits=[], cursor_key=CURSOR, cursor="c1")
    earlier = ticket(1, subject="before", generated_timestamp=1_000)
    store.save_export_page([earlier], needs_audits=[], cursor_key=CURSOR, cursor="c2")
    assert store.get_ticket(1) == later
    tombstone = ticket(1, status="deleted", generated_timestamp=1_500)
    store.save_export_page([tombstone], needs_audits=[], cursor_key=CURSOR, cursor="c3")
    assert store.get_ticket(1) == later  # an older tombstone too
    store.save_ticket(ticket(1, subject="answer", answer=True))  # same updated_at, no stamp
    stored = store.get_ticket(1)
    assert stored is not None and (stored.subject, stored.generated_timestamp) == ("answer", 2_000)


def test_an_audit_of_another_ticket_is_refused_and_nothing_is_written(backend: Backend) -> None:
    store = store_of(backend)
    with pytest.raises(ValueError, match="audit 21 belongs to ticket 2"):
        store.save_ticket(ticket(1), [audit(21, 2)])
    assert store.get_ticket(1) is None
    assert store.get_audits(2) == []


# -- note_follow_up -----------------------------------------------------------------------


def test_a_follow_up_is_marked_as_requested_then_its_ticket_recorded(
    backend: Backend, clock: FixedClock
) -> None:
    store = store_of(backend)
    store.record_decisions([entry("k")], next_due={}, mark=None)
    clock.advance(timedelta(minutes=1))

    store.note_follow_up("k", created_ticket_id=None)
    (asked,) = store.outbox()
    assert (asked.state, asked.attempts, asked.created_ticket_id) == ("pending", 0, None)
    assert (asked.last_error, asked.updated_at) == (FOLLOW_UP_REQUESTED, clock.now())

    clock.advance(timedelta(seconds=2))
    store.note_follow_up("k", created_ticket_id=5001)
    (created,) = store.outbox()
    assert (created.state, created.attempts, created.created_ticket_id) == ("pending", 0, 5001)
    assert (created.last_error, created.updated_at) == (None, clock.now())

    store.settle("k", state="applied", audit_id=77)  # a later settle keeps the ticket
    (applied,) = store.outbox()
    assert (applied.created_ticket_id, applied.audit_id, applied.attempts) == (5001, 77, 1)


def test_asking_again_keeps_the_time_of_the_first_request(
    backend: Backend, clock: FixedClock
) -> None:
    store = store_of(backend)
    store.record_decisions([entry("k")], next_due={}, mark=None)
    store.note_follow_up("k", created_ticket_id=None)
    first = clock.now()
    clock.advance(timedelta(minutes=30))

    store.note_follow_up("k", created_ticket_id=None)

    (asked,) = store.outbox()
    assert (asked.last_error, asked.updated_at) == (FOLLOW_UP_REQUESTED, first)


def test_note_follow_up_refuses_an_unknown_key(backend: Backend) -> None:
    with pytest.raises(LookupError, match="'nope'"):
        store_of(backend).note_follow_up("nope", created_ticket_id=None)


# -- outbox_summary ------------------------------------------------------------------------


def test_an_empty_outbox_summary_names_every_state(backend: Backend) -> None:
    summary = store_of(backend).outbox_summary()
    assert summary.counts == dict.fromkeys(OUTBOX_STATES, 0)
    assert (summary.oldest_pending, summary.last_errors) == (None, ())


def test_the_summary_counts_states_and_lists_the_latest_errors_first(
    backend: Backend, clock: FixedClock
) -> None:
    store = store_of(backend)
    entries = [entry(f"k{n}", n, minutes=n) for n in range(1, 7)]
    store.record_decisions(entries, next_due={}, mark=None)
    for key, state, error in [
        ("k1", "applied", None),
        ("k2", "failed", "HTTP 500"),
        ("k3", "skipped", "the ticket is closed"),
        ("k4", "conflict", "409"),
    ]:
        clock.advance(timedelta(minutes=1))
        store.settle(key, state=state, error=error)

    summary = store.outbox_summary(errors=2)

    assert summary.counts == {"pending": 2, "applied": 1, "conflict": 1, "skipped": 1, "failed": 1}
    assert summary.oldest_pending == DECIDED + timedelta(minutes=5)
    assert [e.key for e in summary.last_errors] == ["k4", "k3"]
    assert summary.last_errors[0] == dataclasses.replace(
        entries[3], state="conflict", attempts=1, last_error="409", updated_at=clock.now()
    )
    assert [e.key for e in store.outbox_summary().last_errors] == ["k4", "k3", "k2"]


# -- settle without an attempt, outbox by key, requeue_failed --------------------------------


def test_a_settle_that_is_no_attempt_leaves_the_count(backend: Backend) -> None:
    store = store_of(backend)
    store.record_decisions([entry("k")], next_due={}, mark=None)
    store.settle("k", state="failed", error="422 invalid")

    store.settle("k", state="pending", error="no answer; tried again", attempt=False)

    (waiting,) = store.outbox()
    assert (waiting.state, waiting.attempts, waiting.last_error) == (
        "pending", 1, "no answer; tried again"
    )  # fmt: skip


def test_the_outbox_by_key_lists_the_known_ones_oldest_first(backend: Backend) -> None:
    store = store_of(backend)
    store.record_decisions([entry(f"k{n}", n, minutes=-n) for n in (1, 2, 3)], next_due={},
                           mark=None)  # fmt: skip
    assert [e.key for e in store.outbox(keys=["k1", "k3", "nope"])] == ["k3", "k1"]
    assert store.outbox(keys=[]) == []


def test_failed_entries_are_queued_again_with_a_fresh_count(
    backend: Backend, clock: FixedClock
) -> None:
    store = store_of(backend)
    store.record_decisions([entry(f"k{n}", n, minutes=-n) for n in range(1, 5)], next_due={},
                           mark=None)  # fmt: skip
    for key in ("k1", "k2", "k3"):
        store.settle(key, state="failed", error="422 invalid")
    store.settle("k4", state="applied", audit_id=9)
    clock.advance(timedelta(minutes=5))

    assert store.requeue_failed(["k1", "k4", "nope"]) == ["k1"]  # k4 is not failed
    (again,) = store.outbox(keys=["k1"])
    assert (again.state, again.attempts, again.last_error) == ("pending", 0, None)
    assert again.updated_at == clock.now()
    assert store.requeue_failed() == ["k3", "k2"]  # every failed one, oldest decision first
    assert store.outbox(states=["failed"]) == [] and store.requeue_failed() == []
    assert store.outbox(keys=["k4"])[0].state == "applied"
