"""The directory part of the pull on fakes (issue 9, item 3): a listing that fails keeps its
last good copy while the others are replaced, the worker's id is stored from /users/me
whatever the listings do, and the failure is named and tried again at the next pull."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from sync.clock import FixedClock
from sync.errors import DirectoryIncomplete, PaginationLoop, ZendeskRejected, ZendeskUnavailable
from sync.pull.directory import (
    DIRECTORY_REFRESHED_KEY,
    LISTINGS_KEY,
    WORKER_ID_KEY,
    never_read,
)
from sync.pull.step import pull
from sync.records import Directory, GroupRecord, MembershipRecord
from tests.fakes.store import FakeStore
from tests.fakes.zendesk import EPOCH, FakeZendesk, make_ticket
from tests.store.builders import user
from tests.sync.test_pull import ACME, SETTINGS

ALICE, BOB = user(21), user(22)
GOOD = Directory(
    users=(ALICE,),
    groups=(GroupRecord(ACME, "Acme Networks"),),
    memberships=(MembershipRecord(1, ALICE.id, ACME),),
)
LOOP = PaginationLoop("the user listing repeated user 21: pagination loop")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EPOCH + timedelta(days=1))


@pytest.fixture
def store(clock: FixedClock) -> FakeStore:
    return FakeStore(clock=clock)


@pytest.fixture
def zendesk() -> FakeZendesk:
    fake = FakeZendesk(page_size=2)
    fake.put(make_ticket(1, group_id=ACME, minute=1))
    fake.dir = GOOD
    return fake


def users_fail(partial: Directory) -> DirectoryIncomplete:
    return DirectoryIncomplete(dataclasses.replace(partial, users=()), {"users": LOOP})


def test_a_failing_listing_keeps_its_last_good_copy_and_the_others_are_replaced(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    pull(zendesk, store, SETTINGS, clock)
    renamed = GroupRecord(ACME, "Acme Networks BV")
    read = Directory(users=(BOB,), groups=(renamed,), memberships=GOOD.memberships)
    zendesk.fail_next["directory"] = [users_fail(read)]

    report = pull(zendesk, store, SETTINGS, clock, refresh_directory=True)

    stored = store.load_directory()
    assert stored.users == (ALICE,)  # the last good users, not the empty failed listing
    assert stored.groups == (renamed,)  # what was read is stored
    (error,) = report.errors
    assert error.startswith("directory: the users listing (GET /api/v2/users) failed")
    assert "keeping the copy read at" in error and "pagination loop" in error
    assert not report.directory_refreshed
    assert never_read(store) == []  # the users were read once: decide can run
    assert report.pages == 1  # the export went on


def test_a_failed_listing_is_tried_again_at_the_next_pull(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["directory"] = [users_fail(GOOD)]
    pull(zendesk, store, SETTINGS, clock)
    assert store.read_state(DIRECTORY_REFRESHED_KEY) is None
    (unread,) = never_read(store)
    assert unread.startswith("the users listing (GET /api/v2/users): the user listing repeated")

    report = pull(zendesk, store, SETTINGS, clock)  # within the hour: tried again all the same

    assert zendesk.calls["directory"] == 2 and report.errors == []
    assert store.load_directory().users == (ALICE,) and never_read(store) == []
    listings = json.loads(store.read_state(LISTINGS_KEY) or "{}")
    assert listings["users"] == {"read_at": clock.now().isoformat(), "failed_at": None,
                                 "error": None}  # fmt: skip


@pytest.mark.parametrize(
    "failure",
    [users_fail(GOOD), ZendeskUnavailable("down"), ZendeskRejected("400 no", status=400)],
    ids=["one listing", "the whole directory", "a 4xx"],
)
def test_the_worker_id_is_stored_from_users_me_whatever_the_listings_do(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock, failure: Exception
) -> None:
    zendesk.fail_next["directory"] = [failure]
    report = pull(zendesk, store, SETTINGS, clock)
    assert store.read_state(WORKER_ID_KEY) == "1"
    assert report.errors


def test_users_me_failing_does_not_keep_the_directory_from_being_read(
    zendesk: FakeZendesk, store: FakeStore, clock: FixedClock
) -> None:
    zendesk.fail_next["whoami"] = [ZendeskUnavailable("timeout")]
    report = pull(zendesk, store, SETTINGS, clock)
    assert store.read_state(WORKER_ID_KEY) is None
    assert store.load_directory().users == (ALICE,)
    assert report.errors == ["the worker's own user (GET /api/v2/users/me): timeout"]
