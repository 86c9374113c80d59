"""The MirrorStore contract, part 1: state, export pages, deleted tickets, audit flags.

Runs over SqlStore on SQLite and PostgreSQL and over FakeStore (fixture ``backend``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.records import AuditBatch, TicketQuery
from tests.store.builders import T0, audit, ticket
from tests.store.conftest import Backend

CURSOR = "export.after_cursor"


def test_state_reads_back_what_was_written(backend: Backend) -> None:
    store = backend.store
    assert store.read_state("ticket_fields.total") is None
    store.write_state("ticket_fields.total", "360001")
    store.write_state("ticket_fields.total", "360002")
    assert store.read_state("ticket_fields.total") == "360002"
    assert store.counts()["sync_state"] == 1


def test_a_page_is_stored_with_its_cursor(backend: Backend) -> None:
    store = backend.store
    page = [ticket(1), ticket(2, status="pending", group_id=None, tags=())]
    store.save_export_page(page, needs_audits=(), cursor_key=CURSOR, cursor="c1")

    assert store.read_state(CURSOR) == "c1"
    for sent in page:
        got = store.get_ticket(sent.id)
        assert got == sent
        assert got is not None and got.raw == sent.raw and got.tags == sent.tags
    assert store.get_ticket(3) is None


def test_the_same_page_twice_leaves_the_same_rows(backend: Backend) -> None:
    store = backend.store
    page = [ticket(i) for i in range(1, 6)]
    store.save_export_page(page, needs_audits=[1, 2], cursor_key=CURSOR, cursor="c1")
    first = (store.counts(), [store.get_ticket(i) for i in range(1, 6)])
    store.save_export_page(page, needs_audits=[1, 2], cursor_key=CURSOR, cursor="c1")

    assert (store.counts(), [store.get_ticket(i) for i in range(1, 6)]) == first
    assert store.counts()["tickets"] == 5
    assert store.tickets_needing_audits() == [1, 2]


def test_a_newer_version_replaces_the_stored_one(backend: Backend) -> None:
    store = backend.store
    store.save_export_page([ticket(1)], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    newer = ticket(1, status="hold", group_id=200, subject="Renamed", updated=timedelta(hours=1))
    store.save_export_page([newer], needs_audits=(), cursor_key=CURSOR, cursor="c2")

    got = store.get_ticket(1)
    assert got == newer and got is not None and got.raw == newer.raw
    assert store.read_state(CURSOR) == "c2"
    assert store.counts()["tickets"] == 1


def test_a_cursor_of_none_removes_the_stored_cursor(backend: Backend) -> None:
    store = backend.store
    store.save_export_page([], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    store.save_export_page([ticket(1)], needs_audits=(), cursor_key=CURSOR, cursor=None)
    assert store.read_state(CURSOR) is None
    assert store.get_ticket(1) is not None


def test_a_failed_save_keeps_neither_rows_nor_cursor(backend: Backend) -> None:
    store = backend.store
    store.save_export_page([ticket(1)], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    changed = ticket(1, subject="Changed", updated=timedelta(hours=1))

    with backend.failing_key(CURSOR), pytest.raises(RuntimeError, match="injected"):
        store.save_export_page(
            [changed, ticket(2)], needs_audits=[1, 2], cursor_key=CURSOR, cursor="c2"
        )

    assert store.read_state(CURSOR) == "c1"
    assert store.get_ticket(2) is None
    kept = store.get_ticket(1)
    assert kept is not None and kept.subject == "Ticket 1"
    assert store.tickets_needing_audits() == []
    # The store still works afterwards, and the retried page lands whole.
    store.save_export_page([changed, ticket(2)], needs_audits=[2], cursor_key=CURSOR, cursor="c2")
    assert (store.read_state(CURSOR), store.counts()["tickets"]) == ("c2", 2)


def test_a_deleted_ticket_keeps_its_data_and_changes_only_its_status(backend: Backend) -> None:
    store = backend.store
    alive = ticket(1, generated_timestamp=1000)
    store.save_export_page([alive], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    tombstone = ticket(
        1,
        status="deleted",
        group_id=None,
        subject="",
        tags=(),
        generated_timestamp=2000,
        updated=timedelta(hours=5),
        organization_id=None,
        system=None,
    )
    store.save_export_page([tombstone], needs_audits=(), cursor_key=CURSOR, cursor="c2")

    got = store.get_ticket(1)
    assert got is not None
    assert (got.status, got.generated_timestamp, got.deleted) == ("deleted", 2000, True)
    assert (got.subject, got.group_id, got.tags, got.updated_at) == (
        alive.subject,
        alive.group_id,
        alive.tags,
        alive.updated_at,
    )
    assert got.raw == alive.raw
    assert store.ticket_versions([1]) == {1: alive.updated_at}


def test_a_deleted_ticket_not_yet_mirrored_is_stored_as_given(backend: Backend) -> None:
    store = backend.store
    tombstone = ticket(7, status="deleted", group_id=None, subject="gone", tags=())
    store.save_export_page([tombstone], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    got = store.get_ticket(7)
    assert got == tombstone and got is not None and got.raw == tombstone.raw


def test_a_ticket_twice_on_one_page_ends_as_if_saved_in_order(backend: Backend) -> None:
    store = backend.store
    first = ticket(1, subject="first", generated_timestamp=10)
    second = ticket(1, subject="second", generated_timestamp=20)
    deleted = ticket(1, status="deleted", subject="", generated_timestamp=30)
    store.save_export_page([first, second], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    assert store.get_ticket(1) == second
    later = int(T0.timestamp()) + 5  # a page is in stream order: the later row is newer
    store.save_export_page(
        [
            ticket(2, subject="kept"),
            ticket(2, status="deleted", subject="", generated_timestamp=later),
        ],
        needs_audits=(),
        cursor_key=CURSOR,
        cursor="c2",
    )
    got = store.get_ticket(2)
    assert got is not None and (got.subject, got.status) == ("kept", "deleted")
    store.save_export_page([deleted], needs_audits=(), cursor_key=CURSOR, cursor="c3")
    got = store.get_ticket(1)
    assert got is not None and (got.subject, got.status, got.generated_timestamp) == (
        "second",
        "deleted",
        30,
    )


def test_ticket_versions_answers_for_mirrored_ids_only(backend: Backend) -> None:
    store = backend.store
    page = [ticket(i, updated=timedelta(minutes=i)) for i in range(1, 4)]
    store.save_export_page(page, needs_audits=(), cursor_key=CURSOR, cursor="c1")
    # More ids than one IN (...) chunk holds, to cross the chunk boundary.
    asked = [*range(1, 12_001), 2, 3]
    assert store.ticket_versions(asked) == {t.id: t.updated_at for t in page}
    assert store.ticket_versions([]) == {}


def test_audit_flags_come_oldest_first_and_keep_their_first_time(
    backend: Backend, clock: FixedClock
) -> None:
    store = backend.store
    store.save_export_page(
        [ticket(5), ticket(3)], needs_audits=[5, 3, 99], cursor_key=CURSOR, cursor="c1"
    )
    clock.advance(timedelta(minutes=1))
    store.save_export_page(
        [ticket(1), ticket(5)], needs_audits=[1, 5], cursor_key=CURSOR, cursor="c2"
    )
    clock.advance(timedelta(minutes=1))
    store.save_export_page([ticket(2)], needs_audits=(), cursor_key=CURSOR, cursor="c3")

    assert store.tickets_needing_audits() == [3, 5, 1]
    assert store.tickets_needing_audits(limit=2) == [3, 5]
    store.clear_audit_flag(5)
    store.clear_audit_flag(424242)  # unknown ids are no error: the ticket is gone anyway
    assert store.tickets_needing_audits() == [3, 1]


def test_times_come_back_as_the_same_aware_utc_instants(backend: Backend) -> None:
    store = backend.store
    sent = ticket(1)
    store.save_export_page([sent], needs_audits=(), cursor_key=CURSOR, cursor="c1")
    sent_audit = audit(11, 1, at=timedelta(days=200))  # across a daylight-saving change
    store.save_audits(AuditBatch(1, (sent_audit,)))
    got, (got_audit,) = store.get_ticket(1), store.get_audits(1)
    (listed,) = store.list_tickets(TicketQuery())
    assert got is not None
    pairs = [
        (got.created_at, sent.created_at),
        (got.updated_at, sent.updated_at),
        (got_audit.created_at, sent_audit.created_at),
        (listed.updated_at, sent.updated_at),
    ]
    for value, expected in pairs:
        assert value == expected and value.utcoffset() == timedelta(0)
        assert value.microsecond == expected.microsecond == T0.microsecond == 123456
