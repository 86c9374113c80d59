"""users/show_many answers are checked against the ids asked for (issue 9, item 4): the real
client against the emulator over HTTP, whose answer is replaced by one that lists a user
not asked for, lacks an asked one and repeats another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.zendesk.session import json_body
from emulator import FaultKind, FaultRule
from sync.errors import PaginationLoop
from tests.contract.worlds import EmulatorWorld, emulator_world

SHOW_MANY = r"/users/show_many$"


@pytest.fixture
def world() -> Iterator[EmulatorWorld]:
    with emulator_world() as world:
        yield world


def users_doc(world: EmulatorWorld, ids: str) -> list[dict[str, Any]]:
    """The emulator's own documents of these users (a real show_many answer)."""
    url = world.emulator.base_url + "/api/v2/users/show_many.json"
    users: list[dict[str, Any]] = json_body(world.reader.session.get(url, params={"ids": ids}))[
        "users"
    ]
    return users


def answer_with(world: EmulatorWorld, users: list[dict[str, Any]]) -> None:
    body = {"users": users, "next_page": None, "previous_page": None, "count": len(users)}
    world.emulator.faults.add(FaultRule(kind=FaultKind.STATUS, path=SHOW_MANY, status=200,
                                        body=body))  # fmt: skip


def warnings(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [r for r in caplog.records if r.levelname == "WARNING" and "show_many" in r.message]


def test_only_the_asked_users_are_kept_and_the_rest_logged(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    alice, leo, ines, worker = users_doc(world, "21,22,11,1")
    # Asked: Alice (21), Leo (22), Carla (601). Answered: Alice twice, Leo, and Ines (11)
    # and the worker (1), who were not asked for; Carla is missing.
    answer_with(world, [alice, ines, leo, alice, worker])
    found = world.reader.users([21, 22, 601])
    assert sorted(u.id for u in found) == [21, 22]
    unexpected, missing = warnings(caplog)
    assert "not asked for" in unexpected.message and "1, 11" in unexpected.message
    assert (unexpected.step, unexpected.user_ids, unexpected.error) == (
        "pull", [1, 11], "UnexpectedRecord")  # fmt: skip
    assert "did not answer" in missing.message and "601" in missing.message
    assert (missing.step, missing.user_ids, missing.error) == ("pull", [601], "MissingRecord")


def test_an_answer_with_just_the_asked_users_logs_nothing(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    found = world.reader.users([21, 601])
    assert sorted(u.id for u in found) == [21, 601]
    assert warnings(caplog) == []


def test_an_answer_that_goes_on_past_the_asked_ids_and_a_page_is_refused(
    world: EmulatorWorld,
) -> None:
    (alice,) = users_doc(world, "21")
    answer_with(world, [{**alice, "id": 1000 + n} for n in range(1 + 100 + 1)])
    asked_before = len(world.emulator.request_log)
    with pytest.raises(PaginationLoop, match="went on past 101 records"):
        world.reader.users([21])
    # Deterministic: asked once, not six times.
    assert len(world.emulator.request_log) - asked_before == 1
