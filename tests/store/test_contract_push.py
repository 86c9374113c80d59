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
from tests.store.builders import audit, ticket
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
