"""Issue 9, item 5: a user in an ISPnext group and in a partner group counts as ISPnext
staff, so the partner rules never judge their updates; ``zdsync check`` says so, one
warning per such user (name, id, the groups), in its table and in ``--json``. The demo
world over real HTTP, with Alice Acme (21) also made a member of ISPnext Support (100)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator import Emulator, RateLimits, Scenario
from tests.cli.conftest import DEMO_SCENARIO, Cli, cli_env

ALICE, ISPNEXT = 21, 100


def demo_with_alice_in_ispnext() -> Scenario:
    data: dict[str, Any] = yaml.safe_load(DEMO_SCENARIO.read_text())
    for user in data["users"]:
        if user["id"] in {ALICE, 1}:  # 1: the worker itself, also put in a partner group
            user["groups"] = sorted({*user["groups"], ISPNEXT, 201})
    return Scenario.from_mapping(data, source="demo with an overlap")


@pytest.fixture
def overlap_cli(tmp_path: Path) -> Iterator[Cli]:
    scenario = demo_with_alice_in_ispnext()
    with Emulator(scenario, rate_limits=RateLimits.disabled()) as emulator:
        database = tmp_path / "zdsync.db"
        yield Cli(cli_env(emulator.base_url, database), database)


def overlap_warnings(cli: Cli) -> list[dict[str, str]]:
    document = json.loads(cli.run("check", "--json").stdout)
    return [c for c in document["checks"] if c["name"] == "overlapping membership"]


def test_check_warns_of_a_user_in_an_ispnext_and_a_partner_group(overlap_cli: Cli) -> None:
    (warning,) = overlap_warnings(overlap_cli)  # the worker's own groups do not matter
    assert warning["level"] == "warn"
    detail = warning["detail"]
    assert detail.startswith("Alice Acme (id 21) is in ")
    assert "ISPnext group ISPnext Support (100)" in detail
    assert "partner group Acme Networks (201)" in detail
    assert "counted as ISPnext staff" in detail
    text = overlap_cli.run("check").stdout  # a warning: check still passes
    assert "overlapping membership" in text and "Alice Acme (id 21)" in text


def test_check_says_nothing_of_overlaps_when_there_are_none(cli: Cli) -> None:
    assert overlap_warnings(cli) == []
