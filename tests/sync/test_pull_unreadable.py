"""The pull on fakes with records the export sends that cannot be read (issue 8 defect 3):
each is remembered with the page that skipped it, read again on its own in the same pull
and in later ones until it can be read (then mirrored with its audits) or is gone."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.errors import ZendeskAccessDenied, ZendeskUnavailable
from sync.pull.step import CURSOR_KEY, REREADS_PER_PULL, pull
from tests.fakes.store import FakeStore
from tests.fakes.zendesk import FakeZendesk, make_audit, make_ticket
from tests.sync.test_pull import ACME, OTHER, SETTINGS, clock, mirrored_ids, store, zendesk

__all__ = ["clock", "store", "zendesk"]  # the fixtures, shared with test_pull

SPOILED = "status is None, expected a string"


def test_a_ticket_unreadable_in_the_export_is_read_on_its_own_in_the_same_pull(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.spoiled_in_export[3] = SPOILED

    report = pull(zendesk, store, SETTINGS, clock)

    assert mirrored_ids(store) == [1, 3, 5]
    assert [a.id for a in store.get_audits(3)] == [31]
    assert zendesk.calls["show"] == 1
    assert store.unreadable_tickets() == []
    assert (report.skipped, report.reread, report.reread_ok, report.unreadable) == (1, 1, 1, 0)
    assert "1 of 1 unreadable ticket(s) read again, 0 still unreadable" in report.summary()


def test_one_still_unreadable_is_listed_with_its_reason_until_a_later_pull_reads_it(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    zendesk.spoiled_in_export[3] = "unknown status 'escalated'"
    zendesk.spoiled_shows[3] = 2  # the next two reads of it on its own are spoiled too
    first = clock.now()

    with caplog.at_level(logging.WARNING, logger="sync.pull"):
        report = pull(zendesk, store, SETTINGS, clock)

    (left,) = store.unreadable_tickets()
    assert (left.ticket_id, left.reason, left.since, left.tries) == (3, SPOILED, first, 1)
    assert mirrored_ids(store) == [1, 5] and report.unreadable == 1
    assert "1 ticket(s) Zendesk sent cannot be read" in caplog.text
    assert store.read_state(CURSOR_KEY) == f"{zendesk.tickets[5].generated_timestamp}:5"

    clock.advance(timedelta(minutes=5))
    pull(zendesk, store, SETTINGS, clock)  # the export has nothing new; still unreadable
    (left,) = store.unreadable_tickets()
    assert (left.since, left.tries, left.last_seen) == (first, 2, clock.now())

    clock.advance(timedelta(minutes=5))
    report = pull(zendesk, store, SETTINGS, clock)

    assert mirrored_ids(store) == [1, 3, 5]
    assert [a.id for a in store.get_audits(3)] == [31]
    assert store.unreadable_tickets() == [] and report.unreadable == 0
    assert zendesk.calls["show"] == 3


def test_a_ticket_gone_from_zendesk_is_forgotten(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    zendesk.spoiled_in_export[3] = SPOILED
    zendesk.spoiled_shows[3] = 1
    pull(zendesk, store, SETTINGS, clock)
    del zendesk.tickets[3]

    with caplog.at_level(logging.INFO, logger="sync.pull"):
        pull(zendesk, store, SETTINGS, clock)

    assert store.unreadable_tickets() == []
    assert "ticket 3, unreadable since" in caplog.text and "gone from Zendesk (404)" in caplog.text


def test_one_read_that_is_not_a_partner_ticket_is_forgotten_and_not_mirrored(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.spoiled_in_export[4] = SPOILED  # group OTHER

    pull(zendesk, store, SETTINGS, clock)

    assert mirrored_ids(store) == [1, 3, 5]
    assert store.unreadable_tickets() == []


def test_an_outage_keeps_every_one_remembered_with_its_reason(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.spoiled_in_export.update({1: SPOILED, 3: SPOILED})
    zendesk.fail_next["show"] = [ZendeskUnavailable("GET ticket 1: 503")]

    report = pull(zendesk, store, SETTINGS, clock)

    assert [(u.ticket_id, u.reason, u.tries) for u in store.unreadable_tickets()] == [
        (1, SPOILED, 0), (3, SPOILED, 0)]  # fmt: skip
    assert zendesk.calls["show"] == 1  # the outage ends the re-reads for this pull
    assert any("reading unreadable tickets again" in e for e in report.errors)

    pull(zendesk, store, SETTINGS, clock)
    assert store.unreadable_tickets() == [] and mirrored_ids(store) == [1, 3, 5]


def test_refused_access_while_reading_again_stops_the_pull_and_keeps_what_was_read(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.spoiled_in_export.update({1: SPOILED, 3: SPOILED})
    zendesk.fail_next["show"] = [None, ZendeskAccessDenied("GET ticket 3: 401", status=401)]

    with pytest.raises(ZendeskAccessDenied):
        pull(zendesk, store, SETTINGS, clock)

    assert [u.ticket_id for u in store.unreadable_tickets()] == [3]
    assert 1 in mirrored_ids(store)


def test_at_most_so_many_are_read_again_per_pull_the_least_recently_tried_first(
    store: FakeStore, clock: FixedClock
) -> None:
    zendesk = FakeZendesk(page_size=500)
    count = REREADS_PER_PULL + 5
    for ticket_id in range(1, count + 1):
        zendesk.put(
            make_ticket(ticket_id, group_id=ACME, minute=1), make_audit(ticket_id, ticket_id)
        )
        zendesk.spoiled_in_export[ticket_id] = SPOILED
        zendesk.spoiled_shows[ticket_id] = 1 if ticket_id <= REREADS_PER_PULL else 0

    pull(zendesk, store, SETTINGS, clock)
    assert zendesk.calls["show"] == REREADS_PER_PULL
    clock.advance(timedelta(minutes=5))
    pull(zendesk, store, SETTINGS, clock)

    # The five left out were read first the next time; five of those tried are left.
    assert zendesk.calls["show"] == 2 * REREADS_PER_PULL
    mirrored = set(mirrored_ids(store))
    assert mirrored == set(range(1, count + 1)) - set(range(96, 101))
    assert [u.ticket_id for u in store.unreadable_tickets()] == list(range(96, 101))
    assert OTHER not in mirrored
