"""The retry policy and the export pacer, on a fake clock: no test ever sleeps."""

from __future__ import annotations

import pytest

from adapters.zendesk.retry import RequestPacer, retrying
from adapters.zendesk.session import DEFAULT_RETRY_AFTER, parse_retry_after
from sync.errors import (
    TicketConflict,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def flaky(errors: list[Exception], result: str = "done"):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return call, calls


def test_a_429_waits_exactly_its_retry_after() -> None:
    clock = FakeTime()
    call, calls = flaky([ZendeskRateLimited("429", retry_after=7)])
    assert retrying(5, clock.sleep)(call) == "done"
    assert clock.sleeps == [7]
    assert len(calls) == 2


def test_5xx_and_connection_errors_back_off_with_growing_waits() -> None:
    clock = FakeTime()
    call, calls = flaky([ZendeskUnavailable("503")] * 4)
    assert retrying(6, clock.sleep)(call) == "done"
    assert len(calls) == 5
    assert len(clock.sleeps) == 4
    # exponential: each wait's floor doubles (jitter adds at most 0.5 s)
    for n, wait in enumerate(clock.sleeps):
        assert 0.5 * 2**n <= wait <= 0.5 * 2**n + 0.5


def test_it_gives_up_after_max_attempts_with_the_last_error() -> None:
    clock = FakeTime()
    call, calls = flaky([ZendeskUnavailable(f"503 #{i}") for i in range(10)])
    with pytest.raises(ZendeskUnavailable, match="503 #2"):
        retrying(3, clock.sleep)(call)
    assert len(calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        ZendeskRejected("422", status=422),
        TicketConflict("409", status=409),
        ZendeskUnavailable("timeout after PUT", maybe_applied=True),
    ],
    ids=["4xx", "409", "maybe-applied write"],
)
def test_refusals_and_maybe_applied_writes_are_never_resent(error: Exception) -> None:
    clock = FakeTime()
    call, calls = flaky([error])
    with pytest.raises(type(error)):
        retrying(5, clock.sleep)(call)
    assert len(calls) == 1
    assert clock.sleeps == []


def test_pacer_lets_a_burst_through_then_sleeps_once_until_the_window_frees() -> None:
    clock = FakeTime()
    pacer = RequestPacer(10, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(10):
        clock.now += 1.0  # ten requests, one a second
        assert pacer.wait_turn() == 0
    # The eleventh may go 60 s after the first (sent at t=1001), it is now t=1010: 51 s.
    assert pacer.wait_turn() == pytest.approx(51.0)
    assert clock.sleeps == [pytest.approx(51.0)]
    assert pacer.waited == pytest.approx(51.0)


def test_pacer_never_waits_when_requests_are_spread_out() -> None:
    clock = FakeTime()
    pacer = RequestPacer(2, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(20):
        clock.now += 30.0
        pacer.wait_turn()
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("17", 17.0), (" 3 ", 3.0), ("1.5", 1.5), ("soon", DEFAULT_RETRY_AFTER),
     (None, DEFAULT_RETRY_AFTER), ("-4", DEFAULT_RETRY_AFTER)],
)  # fmt: skip
def test_retry_after_parsing_is_lenient(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header) == seconds
