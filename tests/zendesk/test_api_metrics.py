"""The real client tells its observer about every exchange with Zendesk: each request by
method, endpoint (ids as ``{id}``) and status, the 429s, and every retry with its wait.
Against the emulator over HTTP; the client's sleeps are recorded, not slept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from adapters.zendesk import ZendeskClient
from adapters.zendesk.session import endpoint_of
from emulator import FaultKind, FaultRule
from sync.config import Secret, SyncSettings, ZendeskSettings
from tests.contract.worlds import PAGE_SIZE, TOKEN, EmulatorWorld, emulator_world


class Recorder:
    """An ``ApiObserver`` that keeps what it is told."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.retries: list[tuple[str, float]] = []

    def api_request(self, method: str, endpoint: str, status: str) -> None:
        self.requests[(method, endpoint, status)] += 1

    def api_retry(self, reason: str, wait_seconds: float) -> None:
        self.retries.append((reason, wait_seconds))


@pytest.fixture
def world() -> Iterator[EmulatorWorld]:
    with emulator_world() as world:
        yield world


def observed(world: EmulatorWorld, recorder: Recorder) -> ZendeskClient:
    zendesk = ZendeskSettings(
        url=world.emulator.base_url, email="zdsync@ispnext.example", token=Secret(TOKEN),
        oauth_token=None,
    )  # fmt: skip
    sleeps: list[float] = []
    return ZendeskClient(
        zendesk, SyncSettings(page_size=PAGE_SIZE, max_attempts=4), sleep=sleeps.append,
        observer=recorder,
    )  # fmt: skip


def test_requests_429s_and_retries_reach_the_observer(world: EmulatorWorld) -> None:
    world.emulator.faults.add(
        FaultRule(kind=FaultKind.STATUS, status=429, retry_after=7, path=r"/audits$", first=1)
    )
    world.emulator.faults.add(
        FaultRule(kind=FaultKind.STATUS, status=503, path=r"/groups$", first=1)
    )
    recorder = Recorder()
    client = observed(world, recorder)
    try:
        client.ticket_audits(1)
        client.directory()
    finally:
        client.close()
    audits = "/api/v2/tickets/{id}/audits"
    assert recorder.requests[("GET", audits, "429")] == 1
    assert recorder.requests[("GET", audits, "200")] == 1
    assert recorder.requests[("GET", "/api/v2/groups", "503")] == 1
    assert recorder.requests[("GET", "/api/v2/groups", "200")] >= 1
    assert ("rate_limited", 7.0) in recorder.retries
    assert [reason for reason, _ in recorder.retries].count("unavailable") == 1


def test_a_refused_connection_is_counted_as_an_error(world: EmulatorWorld) -> None:
    recorder = Recorder()
    client = observed(world, recorder)
    world.emulator.close()
    try:
        with pytest.raises(Exception, match="Connection"):
            client.ticket_audits(1)
    finally:
        client.close()
    assert recorder.requests[("GET", "/api/v2/tickets/{id}/audits", "error")] == 4
    assert [reason for reason, _ in recorder.retries] == ["unavailable"] * 3


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://acme.zendesk.com/api/v2/tickets/4012.json", "/api/v2/tickets/{id}"),
        ("http://127.0.0.1:8080/api/v2/tickets/4012/audits.json?page=2",
         "/api/v2/tickets/{id}/audits"),
        ("http://x/api/v2/job_statuses/8b726e606741012ffc2d782bcb7848fe.json",
         "/api/v2/job_statuses/{id}"),
        ("http://x/api/v2/incremental/tickets/cursor.json?cursor=abc",
         "/api/v2/incremental/tickets/cursor"),
    ],
)  # fmt: skip
def test_endpoints_name_ids_as_placeholders(url: str, endpoint: str) -> None:
    assert endpoint_of(url) == endpoint
