"""The pull step on fakes: what gets mirrored, what is asked of Zendesk, what survives
failures. Assertions are on the store's state and the fake's call counts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.config import GroupRef, Settings, SyncSettings
from sync.errors import TicketNotFound, ZendeskAccessDenied, ZendeskRejected, ZendeskUnavailable
from sync.pull.directory import WORKER_ID_KEY
from sync.pull.fetching import fetch_in_order
from sync.pull.step import CURSOR_KEY, FIRST_PULL_KEY, pull
from sync.records import GroupRecord, TicketQuery
from tests.fakes.store import FakeStore
from tests.fakes.zendesk import EPOCH, ME, FakeZendesk, make_audit, make_ticket

ACME, FIBER, ISPNEXT, OTHER = 200, 300, 100, 999


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EPOCH + timedelta(days=1))


@pytest.fixture
def store(clock: FixedClock) -> FakeStore:
    return FakeStore(clock=clock)


@pytest.fixture
def zendesk() -> FakeZendesk:
    fake = FakeZendesk(page_size=2)
    fake.put(make_ticket(1, group_id=ACME, minute=1), make_audit(1, 11), make_audit(1, 12))
    fake.put(make_ticket(2, group_id=ISPNEXT, minute=2))
    fake.put(make_ticket(3, group_id=FIBER, minute=3), make_audit(3, 31))
    fake.put(make_ticket(4, group_id=OTHER, minute=4))
    fake.put(make_ticket(5, group_id=ACME, minute=5, status="solved"), make_audit(5, 51))
    return fake


SETTINGS = Settings(
    config_path=None,  # type: ignore[arg-type]
    database_url="sqlite://",
    log_level="INFO",
    ispnext_groups=(GroupRef(ISPNEXT, "ISPnext Support"),),
    partner_groups=(GroupRef(ACME, "Acme Networks"), GroupRef(FIBER, "Fibernet")),
    system_field=None,
    # One audit fetcher: the fake's queued failures then hit tickets in a known order.
    sync=SyncSettings(backfill_since=EPOCH, audit_concurrency=1),
    zendesk=None,
)


def mirrored_ids(store: FakeStore) -> list[int]:
    return sorted(s.id for s in store.list_tickets(TicketQuery()))


def test_a_backfill_mirrors_partner_tickets_with_their_audits(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    report = pull(zendesk, store, SETTINGS, clock)
    assert mirrored_ids(store) == [1, 3, 5]
    assert [a.id for a in store.get_audits(1)] == [11, 12]
    assert [a.id for a in store.get_audits(3)] == [31]
    assert store.tickets_needing_audits() == []
    assert store.read_state(CURSOR_KEY) == f"{zendesk.tickets[5].generated_timestamp}:5"
    assert (report.pages, report.exported, report.kept, report.audits_fetched) == (3, 5, 3, 3)
    assert report.errors == []
    assert zendesk.calls["directory"] == 1
    assert store.read_state(WORKER_ID_KEY) == "1"


def test_a_second_pull_with_nothing_new_costs_one_export_request(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    pull(zendesk, store, SETTINGS, clock)
    zendesk.calls.clear()
    clock.advance(timedelta(minutes=5))
    report = pull(zendesk, store, SETTINGS, clock)
    assert dict(zendesk.calls) == {"export": 1}  # no whoami, no directory within the hour
    assert (report.exported, report.kept, report.audits_fetched) == (0, 0, 0)


def test_changed_tickets_are_refetched_and_a_ticket_that_left_is_kept_up_to_date(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    pull(zendesk, store, SETTINGS, clock)
    zendesk.touch(1, minute=60, group_id=ISPNEXT)  # handed back to ISPnext
    zendesk.audits[1].append(make_audit(1, 13, minute=60))
    zendesk.touch(2, minute=61)  # an ISPnext ticket we never mirrored changes
    zendesk.calls.clear()
    pull(zendesk, store, SETTINGS, clock)
    ticket = store.get_ticket(1)
    assert ticket is not None and ticket.group_id == ISPNEXT
    assert [a.id for a in store.get_audits(1)] == [11, 12, 13]
    assert store.get_ticket(2) is None
    assert zendesk.calls["audits"] == 1


def test_a_deleted_ticket_is_marked_not_lost(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    pull(zendesk, store, SETTINGS, clock)
    zendesk.touch(3, minute=70, status="deleted", subject=None)
    pull(zendesk, store, SETTINGS, clock)
    ticket = store.get_ticket(3)
    assert ticket is not None
    assert (ticket.status, ticket.subject) == ("deleted", "ticket 3")
    assert [a.id for a in store.get_audits(3)] == [31]


def test_an_export_failure_keeps_the_pages_stored_and_the_next_pull_resumes(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["export"] = [ZendeskUnavailable("boom")]
    first = pull(zendesk, store, SETTINGS, clock)
    assert first.pages == 0 and first.errors and "boom" in first.errors[0]
    # The failure is at the first request: nothing stored, no cursor. Now fail the 2nd page.
    zendesk.fail_next["export"] = [None, ZendeskUnavailable("boom again")]
    second = pull(zendesk, store, SETTINGS, clock)
    assert second.pages == 1
    assert mirrored_ids(store) == [1]
    cursor_after_page_one = store.read_state(CURSOR_KEY)
    third = pull(zendesk, store, SETTINGS, clock)
    assert third.errors == []
    assert zendesk.export_requests[-3]["cursor"] == cursor_after_page_one
    assert mirrored_ids(store) == [1, 3, 5]


def test_audits_of_a_vanished_ticket_are_given_up_and_one_failure_does_not_block_others(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["audits"] = [
        TicketNotFound("gone", status=404),
        ZendeskUnavailable("garbled"),
    ]
    report = pull(zendesk, store, SETTINGS, clock)
    assert store.get_audits(1) == []  # given up: the export will show it deleted
    assert report.audits_failed == 1
    assert report.audits_pending == 1  # ticket 3 stays flagged, ticket 5 was fetched
    assert [a.id for a in store.get_audits(5)] == [51]
    retry = pull(zendesk, store, SETTINGS, clock)
    assert retry.audits_pending == 0 and retry.errors == []
    assert [a.id for a in store.get_audits(3)] == [31]


def test_an_outage_stops_the_audit_step_after_three_failures_in_a_row(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    for ticket_id in (7, 8, 9):
        zendesk.put(make_ticket(ticket_id, group_id=ACME, minute=10 + ticket_id))
    zendesk.fail_next["audits"] = [ZendeskUnavailable("down")] * 3
    report = pull(zendesk, store, SETTINGS, clock)
    # It stops after the third failure; at most a window of fetches ran ahead (unsaved).
    assert 3 <= zendesk.calls["audits"] <= 5
    assert report.audits_failed == 3 and report.audits_pending == 6


def test_a_refused_audit_fetch_is_reported_and_the_others_go_on(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["audits"] = [ZendeskRejected("400 bad request", status=400)]
    report = pull(zendesk, store, SETTINGS, clock)
    assert report.audits_fetched == 2 and report.audits_pending == 1
    assert any("400 bad request" in e for e in report.errors)


def test_the_directory_is_refreshed_hourly_and_a_failure_keeps_the_old_one(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.dir = type(zendesk.dir)(groups=(GroupRecord(ACME, "Acme Networks"),))
    pull(zendesk, store, SETTINGS, clock)
    clock.advance(timedelta(minutes=59))
    pull(zendesk, store, SETTINGS, clock)
    assert zendesk.calls["directory"] == 1
    clock.advance(timedelta(minutes=1))
    zendesk.fail_next["directory"] = [ZendeskUnavailable("down")]
    report = pull(zendesk, store, SETTINGS, clock)
    assert zendesk.calls["directory"] == 2
    assert report.errors and store.load_directory().groups == (GroupRecord(ACME, "Acme Networks"),)
    assert mirrored_ids(store) == [1, 3, 5]


def test_audits_fetched_concurrently_are_saved_for_every_ticket(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    for ticket_id in range(10, 40):
        zendesk.put(make_ticket(ticket_id, group_id=ACME, minute=ticket_id),
                    make_audit(ticket_id, ticket_id * 10))  # fmt: skip
    settings = dataclasses.replace(SETTINGS, sync=SyncSettings(backfill_since=EPOCH))
    report = pull(zendesk, store, settings, clock)
    assert report.audits_fetched == 33 and report.audits_pending == 0
    assert all(store.get_audits(t) for t in range(10, 40))


def test_fetch_in_order_keeps_the_order_and_stops_early() -> None:
    started: list[int] = []

    def fetch(n: int) -> int:
        started.append(n)
        if n == 3:
            raise ValueError("three")
        return n * n

    results = fetch_in_order(fetch, list(range(100)), workers=2)
    seen = []
    for ticket_id, future in results:
        if future.exception() is not None:
            results.close()
            break
        seen.append((ticket_id, future.result()))
    assert seen == [(0, 0), (1, 1), (2, 4)]
    assert len(started) <= 3 + 2 * 2  # never far ahead of the caller


def test_refused_credentials_stop_the_pull_at_once(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["whoami"] = [ZendeskAccessDenied("401 refused", status=401)]
    with pytest.raises(ZendeskAccessDenied):
        pull(zendesk, store, SETTINGS, clock)
    assert zendesk.calls["export"] == 0


@pytest.mark.parametrize("step", ["export", "audits"])
@pytest.mark.parametrize("status", [401, 403])
def test_access_refused_later_in_the_pull_stops_it_too(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock, step: str, status: int
) -> None:
    """A token revoked while the directory is fresh: the export or the audits meet it, and
    the pull stops with that one error rather than logging one per ticket."""
    pull(zendesk, store, SETTINGS, clock)
    before = zendesk.calls["audits"]
    for ticket_id in range(10, 40):
        zendesk.put(make_ticket(ticket_id, group_id=ACME, minute=30 + ticket_id))
    refusal = ZendeskAccessDenied(f"{status} refused", status=status)
    zendesk.fail_next[step] = [refusal] * 30

    with pytest.raises(ZendeskAccessDenied, match=f"{status} refused"):
        pull(zendesk, store, SETTINGS, clock)

    # The refusal ends the pull: not one audit fetch (and one error) per flagged ticket.
    asked = zendesk.calls["audits"] - before
    assert asked == 0 if step == "export" else asked <= 1 + 2 * SETTINGS.sync.audit_concurrency


def test_requesters_and_comment_authors_are_looked_up_once(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    carla = dataclasses.replace(ME, id=601, name="Carla Klant", role="end-user", role_type=None)
    zendesk.people.append(carla)
    zendesk.touch(1, minute=30, requester_id=601)
    report = pull(zendesk, store, SETTINGS, clock)
    assert store.get_users([601]) == {601: carla}
    assert report.people == 1 and zendesk.calls["users"] == 1
    zendesk.touch(1, minute=31)
    pull(zendesk, store, SETTINGS, clock)
    assert zendesk.calls["users"] == 1  # known now: no second lookup


def test_the_first_pull_of_an_empty_mirror_records_when_it_began_once(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    began = clock.now()
    zendesk.fail_next["export"] = [ZendeskUnavailable("boom")]
    pull(zendesk, store, SETTINGS, clock)  # interrupted before anything was stored
    assert store.read_state(FIRST_PULL_KEY) == began.isoformat()
    clock.advance(timedelta(hours=1))
    pull(zendesk, store, SETTINGS, clock)  # resumes: still the first pull's instant
    clock.advance(timedelta(hours=1))
    pull(zendesk, store, SETTINGS, clock)
    assert store.read_state(FIRST_PULL_KEY) == began.isoformat()


def test_a_mirror_pulled_before_the_first_pull_was_recorded_gets_no_instant(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    store.write_state(CURSOR_KEY, "1:1")  # an older version's mirror: a cursor, no instant
    pull(zendesk, store, SETTINGS, clock)
    assert store.read_state(FIRST_PULL_KEY) is None
