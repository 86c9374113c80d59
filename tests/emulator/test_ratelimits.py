"""Per-minute rate limits: headers, 429 + Retry-After, windows on monotonic time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import Emulator, RateLimits
from emulator.ratelimit import RateLimiter
from tests.emulator.conftest import Api, small_scenario

EXPORT = "/api/v2/incremental/tickets/cursor.json?start_time=0"


@pytest.fixture
def limited() -> Iterator[Emulator]:
    limits = RateLimits(
        account_per_minute=20,
        export_per_minute=3,
        update_ticket_per_minute=2,
        per_ticket_updates_per_10_minutes=30,
    )
    with Emulator(small_scenario(), rate_limits=limits) as emu:
        yield emu


def test_every_answer_carries_both_header_families(limited: Emulator) -> None:
    response = Api(limited.base_url).get("/api/v2/tickets/1.json")
    assert response.headers["x-rate-limit"] == "20"
    assert response.headers["x-rate-limit-remaining"] == "19"
    assert response.headers["ratelimit-limit"] == "20"
    assert response.headers["ratelimit-remaining"] == "19"
    assert 1 <= int(response.headers["ratelimit-reset"]) <= 60


def test_export_limit_answers_429_with_an_integer_retry_after(limited: Emulator) -> None:
    api = Api(limited.base_url)
    statuses = [api.get(EXPORT).status_code for _ in range(3)]
    refused = api.get(EXPORT)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "APIRateLimitExceeded"
    # Other endpoints are not held back by the export limit.
    assert api.get("/api/v2/tickets/1.json").status_code == 200


def test_update_ticket_limit_and_its_headers(limited: Emulator) -> None:
    api = Api(limited.base_url)
    first = api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "low"}})
    assert first.headers["zendesk-ratelimit-update-ticket"].startswith("total=2; remaining=1;")
    assert first.headers["zendesk-ratelimit-per-ticket-updates"].startswith(
        "total=30; remaining=29;"
    )
    api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "high"}})
    third = api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "urgent"}})
    assert third.status_code == 429
    assert "Retry-After" in third.headers
    assert api.ticket(2)["priority"] == "high"  # the refused update was not applied


def test_account_limit_covers_every_endpoint(limited: Emulator) -> None:
    api = Api(limited.base_url)
    statuses = [api.get("/api/v2/users/me.json").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_limits_can_be_switched_off(emulator: Emulator, api: Api) -> None:
    assert {api.get(EXPORT).status_code for _ in range(15)} == {200}
    assert "x-rate-limit" not in api.get(EXPORT).headers


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_windows_reset_on_monotonic_time() -> None:
    ticking = FakeMonotonic()
    limiter = RateLimiter(RateLimits(account_per_minute=2), monotonic=ticking)
    assert limiter.admit(export=False, ticket_update=None).rejection is None
    ticking.now += 10
    assert limiter.admit(export=False, ticket_update=None).rejection is None
    refused = limiter.admit(export=False, ticket_update=None).rejection
    assert refused is not None
    assert refused.headers["Retry-After"] == "50"
    ticking.now += 50
    assert limiter.admit(export=False, ticket_update=None).rejection is None


def test_per_ticket_limit_is_per_user_and_ticket() -> None:
    limiter = RateLimiter(
        RateLimits(per_ticket_updates_per_10_minutes=1), monotonic=FakeMonotonic()
    )
    assert limiter.admit(export=False, ticket_update=(1, 7)).rejection is None
    assert limiter.admit(export=False, ticket_update=(1, 8)).rejection is None
    assert limiter.admit(export=False, ticket_update=(2, 7)).rejection is None
    refused = limiter.admit(export=False, ticket_update=(1, 7)).rejection
    assert refused is not None and refused.headers["Retry-After"] == "600"
