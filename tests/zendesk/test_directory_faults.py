"""The real client's directory against the emulator's faults over real HTTP (issue 9, item
3): each listing is read on its own, a failing one is named with those read, and a
deterministic failure (a page that repeats, a 4xx other than 429) is asked once, not
``max_attempts`` times. Requests are counted from the emulator's log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import FaultKind, FaultRule
from sync.errors import (
    DirectoryIncomplete,
    PaginationLoop,
    ZendeskAccessDenied,
    ZendeskRejected,
    ZendeskUnavailable,
)
from tests.contract.worlds import EmulatorWorld, emulator_world

USERS, GROUPS = r"^/api/v2/users$", r"^/api/v2/groups$"


@pytest.fixture
def world() -> Iterator[EmulatorWorld]:
    with emulator_world() as world:
        yield world


def asked(world: EmulatorWorld, path: str) -> int:
    return sum(1 for r in world.emulator.request_log if r.path == path)


def failed_directory(world: EmulatorWorld) -> DirectoryIncomplete:
    with pytest.raises(DirectoryIncomplete) as caught:
        world.reader.directory()
    return caught.value


def test_a_repeating_user_listing_is_named_asked_once_and_the_rest_is_read(
    world: EmulatorWorld,
) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.REPEAT_PAGE, method="GET", path=USERS))
    failure = failed_directory(world)
    assert list(failure.failures) == ["users"]
    assert isinstance(failure.failures["users"], PaginationLoop)
    assert "the users listing: the user listing repeated user" in str(failure)
    assert asked(world, "/api/v2/users.json") == 2  # the page and its repeat; no retry
    assert world.sleeps == []
    partial = failure.partial
    assert partial.users == () and partial.groups and partial.memberships
    assert partial.ticket_fields and partial.custom_statuses


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_4xx_on_one_listing_is_asked_once(world: EmulatorWorld, status: int) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.STATUS, status=status, path=GROUPS))
    failure = failed_directory(world)
    assert isinstance(failure.failures["groups"], ZendeskRejected)
    assert list(failure.failures) == ["groups"]
    assert asked(world, "/api/v2/groups.json") == 1
    assert failure.partial.users  # the other listings were read


def test_a_listing_forbidden_to_the_worker_fails_alone(world: EmulatorWorld) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.STATUS, status=403, path="/custom_statuses$"))
    failure = failed_directory(world)
    assert list(failure.failures) == ["custom_statuses"]
    assert isinstance(failure.failures["custom_statuses"], ZendeskAccessDenied)


def test_refused_credentials_on_a_listing_stop_the_directory_at_once(world: EmulatorWorld) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.STATUS, status=401, path=GROUPS))
    with pytest.raises(ZendeskAccessDenied):
        world.reader.directory()
    assert asked(world, "/api/v2/group_memberships.json") == 0


def test_a_transient_failure_is_still_retried(world: EmulatorWorld) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.STATUS, status=503, path=USERS))
    failure = failed_directory(world)
    assert isinstance(failure.failures["users"], ZendeskUnavailable)
    assert asked(world, "/api/v2/users.json") == 4  # max_attempts of this world
    assert len(world.sleeps) == 3


def test_repeating_audit_pages_are_asked_once(world: EmulatorWorld) -> None:
    world.emulator.faults.add(FaultRule(FaultKind.REPEAT_PAGE, path=r"/tickets/1/audits$"))
    with pytest.raises(PaginationLoop):
        world.reader.ticket_audits(1)
    assert asked(world, "/api/v2/tickets/1/audits.json") == 2
