"""The push's circuit breaker on fakes: an answer about the account or the network stops
the push at once, keeps every entry as it was (no attempt counted) and says so; only a
change Zendesk judged (another 4xx) counts against its entry."""

from __future__ import annotations

import pytest

from sync.errors import (
    ZendeskAccessDenied,
    ZendeskError,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)
from sync.push.breaker import LOST_IN_A_ROW
from sync.push.step import read_stop
from sync.records import FOLLOW_UP_REQUESTED
from tests.sync.push_world import ALICE, World

TICKETS = (1, 2, 3, 4)


def four_hand_backs() -> World:
    world = World()
    for ticket_id in TICKETS:
        world.handed(ticket_id)
    world.later(hours=3)
    assert len(world.pull_and_decide()) == len(TICKETS)
    return world


OUTAGES = {
    "503 after every retry": ZendeskUnavailable("PUT ticket 1: 503 Service Unavailable"),
    "connection refused": ZendeskUnavailable("PUT ticket 1: ConnectionError: refused"),
    "429 past the retries": ZendeskRateLimited("PUT ticket 1: 429", retry_after=60),
    "401 wrong token": ZendeskAccessDenied("PUT ticket 1: 401 Unauthorized", status=401),
    "403 no permission": ZendeskAccessDenied("PUT ticket 1: 403 Forbidden", status=403),
}


@pytest.mark.parametrize("error", OUTAGES.values(), ids=OUTAGES.keys())
def test_the_first_outage_answer_stops_the_push_and_counts_no_attempt(error: ZendeskError) -> None:
    world = four_hand_backs()
    world.writer.fail_next["update"] = [error]

    report = world.push()

    assert world.writer.calls["update"] == 1  # the other three were not tried
    assert report.stopped and str(error) in (report.stopped_by or "")
    assert report.left == len(TICKETS) and report.failed == 0
    assert {(e.state, e.attempts) for e in world.store.outbox()} == {("pending", 0)}
    assert "stopped early" in report.summary() and "4 entr" in report.summary()
    stop = read_stop(world.store)
    assert stop is not None and stop["left"] == len(TICKETS)


def test_once_zendesk_is_back_every_entry_is_applied_once_and_the_stop_is_cleared() -> None:
    world = four_hand_backs()
    for _ in range(6):  # six cycles of outage
        world.writer.fail_next["update"] = [ZendeskUnavailable("503")]
        assert world.push().stopped

    report = world.push()

    assert not report.stopped and report.outcomes == {"applied": len(TICKETS)}
    assert {(e.state, e.attempts) for e in world.store.outbox()} == {("applied", 1)}
    assert all(len(world.writer.notes(t)) == 1 for t in TICKETS)
    assert read_stop(world.store) is None


def test_a_change_zendesk_refuses_counts_and_the_push_goes_on() -> None:
    world = four_hand_backs()
    world.writer.fail_next["update"] = [ZendeskRejected("422 invalid", status=422, body="x")]

    report = world.push()

    assert not report.stopped
    states = {e.ticket_id: (e.state, e.attempts) for e in world.store.outbox()}
    assert states == {1: ("failed", 1), 2: ("applied", 1), 3: ("applied", 1), 4: ("applied", 1)}


def test_a_lost_answer_alone_does_not_stop_the_push() -> None:
    world = four_hand_backs()
    world.writer.lose_answer["update"] = LOST_IN_A_ROW - 1

    report = world.push()

    assert not report.stopped
    assert {e.state for e in world.store.outbox()} == {"applied"}
    assert all(len(world.writer.notes(t)) == 1 for t in TICKETS)


def test_answers_lost_in_a_row_stop_the_push_and_nothing_is_sent_twice() -> None:
    world = four_hand_backs()
    world.writer.lose_answer["update"] = LOST_IN_A_ROW

    report = world.push()

    assert report.stopped and world.writer.calls["update"] == LOST_IN_A_ROW
    assert {(e.state, e.attempts) for e in world.store.outbox()} == {("pending", 0)}
    world.push()  # the re-check finds the lost writes' notes: applied without a request
    assert world.writer.calls["update"] == LOST_IN_A_ROW + 1
    assert {e.state for e in world.store.outbox()} == {"applied"}
    assert all(len(world.writer.notes(t)) == 1 for t in TICKETS)


def test_a_lost_answer_whose_re_pull_meets_an_outage_stops_the_push_at_once() -> None:
    """A Zendesk that accepts connections and never answers: one ticket's cost, not all."""
    world = four_hand_backs()
    world.writer.fail_next["update"] = [ZendeskUnavailable("read timeout", maybe_applied=True)]
    world.writer.fail_next["show"] = [ZendeskUnavailable("read timeout")]

    report = world.push()

    assert report.stopped and world.writer.calls["update"] == 1
    assert {(e.state, e.attempts) for e in world.store.outbox()} == {("pending", 0)}


def test_a_follow_up_meeting_an_outage_waits_with_its_original_and_is_created_once() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, add_tags=["change_request"], note="This needs a change.")
    world.pull_and_decide()
    world.writer.fail_next["create"] = [ZendeskUnavailable("POST tickets: 503")]

    report = world.push()

    assert report.stopped and world.writer.calls["update"] == 0
    (entry,) = world.store.outbox()
    # Nothing was created: no mark is left to age towards the idempotency window.
    assert (entry.state, entry.attempts, entry.last_error) == ("pending", 0, None)

    world.push()

    assert len(world.writer.created) == 1 and len(world.writer.notes(7)) == 1
    assert world.store.outbox()[0].state == "applied"


def test_asking_again_for_a_lost_follow_up_keeps_the_time_of_the_first_request() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, add_tags=["change_request"], note="This needs a change.")
    world.pull_and_decide()
    world.writer.lose_answer["create"] = 1
    world.push()
    (first,) = world.store.outbox()
    assert first.last_error == FOLLOW_UP_REQUESTED
    world.later(minutes=30)
    world.writer.fail_next["create"] = [ZendeskUnavailable("POST tickets: 503")]

    world.push()

    (entry,) = world.store.outbox()
    assert (entry.last_error, entry.updated_at) == (FOLLOW_UP_REQUESTED, first.updated_at)
