"""Scenario files: the demo world, validation errors, generated worlds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator, EmulatorError, RateLimits, Scenario
from tests.emulator.conftest import SMALL, small_scenario

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return Scenario.load(DEMO)


def test_demo_tells_the_seeds_story(demo: Scenario) -> None:
    groups = {g.name: g.id for g in demo.groups}
    assert {"ISPnext Support", "Acme Networks", "Fibernet Partners"} <= set(groups)
    for partner in ("Acme Networks", "Fibernet Partners"):
        members = [u for u in demo.users if groups[partner] in u.groups]
        assert sorted(u.is_light_agent for u in members) == [False, True, True]
    titles = {f.title for f in demo.ticket_fields}
    assert {"System", "Total time spent (sec)", "Time spent last update (sec)"} <= titles
    worker = next(u for u in demo.users if u.id == 1)
    assert worker.role == "admin"
    assert any(c.token == "demo-token" for c in demo.credentials)
    assert 20 <= len(demo.tickets) <= 30
    assert demo.script


def test_demo_world_builds_with_every_state(demo: Scenario) -> None:
    with Emulator(demo, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        states = emu.snapshot()["tickets"]
        statuses = {state["status"] for state in states.values()}
        assert {"new", "open", "pending", "hold", "solved", "closed", "deleted"} <= statuses
        assert states["1010"]["custom_fields"] == {
            "360001": "system_hosting",
            "360002": "1200",
            "360003": "600",
        }
        assert emu.world.script_errors == []
        emu.clock.advance(2 * 3600)
        assert emu.world.script_errors == []
        assert emu.snapshot()["tickets"]["1020"]["group_id"] == 201


def broken(**changes: Any) -> str:
    with pytest.raises(EmulatorError) as raised:
        small_scenario(**changes)
    return str(raised.value)


def test_errors_name_the_key_path() -> None:
    tickets = [dict(SMALL["tickets"][1], colour="red")]
    assert "tickets[0]" in broken(tickets=tickets) and "colour" in broken(tickets=tickets)
    history = [dict(SMALL["tickets"][0], history=[{"at": "-1h", "by": 999}])]
    assert "tickets[0].history[0].by" in broken(tickets=history)
    assert "no user with id 999" in broken(tickets=history)
    when = [dict(SMALL["tickets"][1], created="yesterday")]
    assert "tickets[0].created" in broken(tickets=when)
    assert "credentials[0].user" in broken(credentials=[{"user": "nobody", "token": "x"}])


def test_history_must_be_in_time_order() -> None:
    history = [
        {"at": "-1h", "by": 11, "priority": "low"},
        {"at": "-2h", "by": 11, "priority": "high"},
    ]
    ticket = dict(SMALL["tickets"][1], history=history)
    with pytest.raises(EmulatorError, match="older"):
        Emulator(small_scenario(tickets=[ticket])).start()


def test_missing_file_and_bad_yaml_are_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match="cannot read"):
        Scenario.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tickets: [unclosed")
    with pytest.raises(EmulatorError, match=r"bad\.yaml"):
        Scenario.load(bad)


def test_generated_worlds_are_deterministic_and_shaped() -> None:
    one = Scenario.generate(tickets=200, partner_tickets=20, audits_per_partner_ticket=4, seed=3)
    two = Scenario.generate(tickets=200, partner_tickets=20, audits_per_partner_ticket=4, seed=3)
    assert list(one.tickets) == list(two.tickets)
    assert len(one.tickets) == 200
    with Emulator(one, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        states = emu.snapshot()["tickets"]
    partner_groups = {201, 202, 203}
    partner = [s for s in states.values() if s["group_id"] in partner_groups]
    assert len(partner) == 20
    assert {len(s["audits"]) for s in partner} == {4}
    other = Scenario.generate(tickets=200, partner_tickets=20, audits_per_partner_ticket=4, seed=4)
    assert list(other.tickets) != list(one.tickets)


def test_zendesk_refusals_in_a_scenario_are_scenario_errors() -> None:
    light_assignee = [dict(SMALL["tickets"][1], assignee=22)]
    with pytest.raises(EmulatorError, match="scenario ticket 2"):
        Emulator(small_scenario(tickets=light_assignee)).start()
    assert "description" in broken(tickets=[dict(SMALL["tickets"][1], description="")])


def test_unknown_keys_and_choices_read_like_zdsyncs_own_config() -> None:
    ticket = [dict(SMALL["tickets"][1], colour="red")]
    message = broken(tickets=ticket)
    assert "small: tickets[0].colour: unknown key; known keys: " in message
    assert "assignee, " in message  # the known keys are listed, sorted
    users = [dict(SMALL["users"][0], role="boss")]
    assert broken(users=users).endswith(
        "users[0].role: expected one of admin, agent, end-user, got 'boss'"
    )
    statuses = [{"id": 1, "category": "closed"}, {"id": 2}]
    assert "custom_statuses[0].category: expected one of hold, new, open, pending, solved, " in (
        broken(custom_statuses=statuses)
    )
    assert "got None" in broken(custom_statuses=statuses[1:])


def test_an_impossible_date_in_a_scenario_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "feb.yaml"
    path.write_text("account: {start: 2025-02-30}\n")
    with pytest.raises(EmulatorError, match=r"feb\.yaml: cannot read scenario: day is out of"):
        Scenario.load(path)
