"""``Stopping``: a stop requested by a signal or by the cycle's deadline, consulted at the
steps' boundaries and ending the client's waits early. Time is a fake monotonic clock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.errors import StopRequested
from sync.pull.step import CURSOR_KEY, pull
from sync.stopping import Stopping
from tests.fakes.store import FakeStore
from tests.fakes.zendesk import EPOCH, FakeZendesk, make_audit, make_ticket
from tests.sync.test_pull import ACME, SETTINGS, mirrored_ids


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_stops_until_asked() -> None:
    stopping = Stopping()
    assert stopping.reason is None and stopping.requested is None
    stopping.sleep(0)  # returns: no stop


def test_the_first_reason_requested_is_the_one_reported() -> None:
    stopping = Stopping()
    stopping.request("SIGTERM received")
    stopping.request("SIGINT received")
    assert stopping.reason == stopping.requested == "SIGTERM received"


def test_a_requested_stop_ends_a_wait_at_once() -> None:
    stopping = Stopping()
    stopper = threading.Timer(0.05, stopping.request, args=("SIGTERM received",))
    stopper.start()
    with pytest.raises(StopRequested, match="SIGTERM received"):
        stopping.sleep(3600)  # would hang the test if the stop did not end it
    stopper.join()


def test_the_deadline_stops_a_cycle_once_it_passed_and_only_that_cycle() -> None:
    clock = FakeMonotonic()
    stopping = Stopping(monotonic=clock)
    stopping.begin_cycle(300)
    clock.now += 299.5
    assert stopping.reason is None
    clock.now += 0.5
    assert stopping.reason == "the cycle's deadline of 300s passed"
    assert stopping.requested is None  # a deadline is no signal: the daemon goes on
    with pytest.raises(StopRequested, match="deadline"):
        stopping.sleep(10)
    stopping.end_cycle()
    assert stopping.reason is None
    stopping.begin_cycle(None)
    clock.now += 10_000
    assert stopping.reason is None


def test_a_wait_longer_than_the_time_left_ends_at_the_deadline() -> None:
    stopping = Stopping()
    stopping.begin_cycle(0.05)
    with pytest.raises(StopRequested, match=r"deadline of 0\.05s"):
        stopping.sleep(3600)


def test_a_pull_asked_to_stop_ends_after_the_page_being_stored_and_the_next_resumes() -> None:
    clock = FixedClock(EPOCH + timedelta(days=1))
    store = FakeStore(clock=clock)
    zendesk = FakeZendesk(page_size=2)
    for n in range(1, 7):
        zendesk.put(make_ticket(n, group_id=ACME, minute=n), make_audit(n, n * 10))
    stopping = Stopping()

    class SignalAfterTheFirstPage:
        def export_page(self, *_: object) -> None:
            stopping.request("SIGTERM received")

        def audits_progress(self, done: int, total: int) -> None:
            raise AssertionError("no audits are fetched after the stop")

    signal_after_page_one = SignalAfterTheFirstPage()
    report = pull(zendesk, store, SETTINGS, clock, observer=signal_after_page_one, stop=stopping)
    assert report.stopped == "SIGTERM received"
    assert (report.pages, zendesk.calls["export"]) == (1, 1)
    assert mirrored_ids(store) == [1, 2]
    assert store.tickets_needing_audits() == [1, 2]  # flagged, fetched by the next run
    assert store.read_state(CURSOR_KEY) == f"{zendesk.tickets[2].generated_timestamp}:2"

    resumed = pull(zendesk, store, SETTINGS, clock)
    assert resumed.stopped is None and resumed.errors == []
    assert mirrored_ids(store) == [1, 2, 3, 4, 5, 6]
    assert store.tickets_needing_audits() == []
    assert [a.id for a in store.get_audits(1)] == [10]
