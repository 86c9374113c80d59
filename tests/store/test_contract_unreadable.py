"""The remembered unreadable tickets (issue 8 defect 3), the same on SQLite, PostgreSQL and
the fake: the export remembers them with its page, a re-read settles them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.records import UnreadableTicket
from tests.store.builders import ticket
from tests.store.conftest import Backend

CURSOR = "export.after_cursor"


def page(backend: Backend, *tickets: int, unreadable: dict[int, str], cursor: str = "c") -> None:
    backend.store.save_export_page(
        [ticket(i) for i in tickets], needs_audits=tickets, cursor_key=CURSOR, cursor=cursor,
        unreadable=[UnreadableTicket(i, reason) for i, reason in unreadable.items()],
    )  # fmt: skip


def test_an_unreadable_record_is_remembered_with_its_page(
    backend: Backend, clock: FixedClock
) -> None:
    first = clock.now()
    page(backend, 1, unreadable={2: "status is None, expected a string"})
    clock.advance(timedelta(minutes=5))
    page(backend, 3, unreadable={2: "unknown status 'escalated'", 4: "updated_at is missing"})

    (two, four) = backend.store.unreadable_tickets()
    assert (two.ticket_id, two.reason, two.since, two.last_seen, two.tries) == (
        2, "unknown status 'escalated'", first, clock.now(), 0)  # fmt: skip
    assert (four.ticket_id, four.since, four.tries) == (4, clock.now(), 0)
    assert backend.store.read_state(CURSOR) == "c"
    assert backend.store.counts()["unreadable_tickets"] == 2


def test_a_page_that_fails_remembers_nothing(backend: Backend) -> None:
    with backend.failing_key(CURSOR), pytest.raises(RuntimeError, match="injected"):
        page(backend, 1, unreadable={2: "status is missing"})

    assert backend.store.unreadable_tickets() == []
    assert backend.store.ticket_versions([1]) == {}


def test_the_export_sending_it_readable_forgets_it_unless_the_page_has_it_spoiled_too(
    backend: Backend,
) -> None:
    page(backend, unreadable={2: "status is missing", 3: "status is missing"})

    page(backend, 2, 3, unreadable={3: "status is missing"})

    assert [u.ticket_id for u in backend.store.unreadable_tickets()] == [3]


def test_a_reread_stores_what_it_could_read_and_counts_a_try_for_the_rest(
    backend: Backend, clock: FixedClock
) -> None:
    store = backend.store
    page(backend, unreadable={2: "status is missing", 3: "status is missing", 4: "x", 5: "y"})
    since = clock.now()
    clock.advance(timedelta(minutes=1))

    store.save_reread(
        [ticket(2, answer=True)], needs_audits=[2],
        still_unreadable=[UnreadableTicket(3, "unknown status 'escalated'")], forget=[4],
    )  # fmt: skip

    assert store.ticket_versions([2]) == {2: ticket(2).updated_at}
    assert store.tickets_needing_audits() == [2]
    (three, five) = store.unreadable_tickets()
    assert (three.ticket_id, three.reason, three.since, three.last_seen, three.tries) == (
        3, "unknown status 'escalated'", since, clock.now(), 1)  # fmt: skip
    assert (five.ticket_id, five.reason, five.tries) == (5, "y", 0)
    assert store.read_state(CURSOR) == "c"  # a re-read leaves the export where it was
