"""The controllable clock, scripted agent activity and act()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emulator import ApiError, Emulator, EmulatorClock, RateLimits
from tests.emulator.conftest import Api, small_scenario

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_a_frozen_clock_moves_only_when_told() -> None:
    clock = EmulatorClock(START, frozen=True)
    assert clock.now() == clock.now() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.set(START + timedelta(hours=1)) == START + timedelta(hours=1)
    with pytest.raises(ValueError):
        clock.set(START)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_an_unfrozen_clock_keeps_its_reading_and_runs_on() -> None:
    clock = EmulatorClock(START, frozen=True)
    clock.advance(10)
    clock.unfreeze()
    assert clock.now() >= START + timedelta(seconds=10)
    assert not clock.frozen
    clock.freeze()
    assert clock.now() == clock.now()


def test_clock_start_defaults_to_real_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert EmulatorClock().start >= before


def test_scenario_times_are_relative_to_the_clock_start(api: Api) -> None:
    hand_over = api.audits(1)[1]
    assert hand_over["created_at"] == "2025-03-03T06:00:00Z"  # "-3h"
    assert api.ticket(1)["created_at"] == "2025-03-01T09:00:00Z"  # "-2d"


def scripted(*entries: dict[str, object]) -> Emulator:
    return Emulator(small_scenario(script=list(entries)), rate_limits=RateLimits.disabled())


def test_script_entries_fire_when_the_clock_passes_them() -> None:
    entry = {"ticket": 1, "at": "+5m", "by": 21, "status": "pending", "reply": "Waiting."}
    with scripted(entry) as emu:
        api = Api(emu.base_url)
        emu.clock.advance(299)
        assert api.ticket(1)["status"] == "open"
        emu.clock.advance(1)
        ticket = api.ticket(1)
        assert ticket["status"] == "pending"
        assert ticket["updated_at"] == "2025-03-03T09:05:00Z"
        last = api.audits(1)[-1]
        assert (last["author_id"], last["via"]["channel"]) == (21, "web")


def test_script_entries_fire_at_their_own_time_even_when_noticed_late() -> None:
    entries = (
        {"ticket": 1, "at": "+1m", "by": 21, "note": "First."},
        {"ticket": 2, "at": "+2m", "by": 11, "status": "pending"},
    )
    with scripted(*entries) as emu:
        emu.clock.advance(3600)
        api = Api(emu.base_url)
        assert api.audits(1)[-1]["created_at"] == "2025-03-03T09:01:00Z"
        assert api.audits(2)[-1]["created_at"] == "2025-03-03T09:02:00Z"


def test_a_script_entry_zendesk_would_refuse_is_recorded_not_fatal() -> None:
    with scripted({"ticket": 3, "at": "+1m", "by": 11, "note": "On a closed ticket."}) as emu:
        emu.clock.advance(120)
        assert len(emu.world.script_errors) == 1
        assert "ticket 3" in emu.world.script_errors[0]


def test_act_edits_now_and_makes_a_409_race(emulator: Emulator, api: Api) -> None:
    stamp = api.ticket(1)["updated_at"]
    audit = emulator.act(1, by=21, status="pending", add_tags=["waiting"], note="Asked customer.")
    assert audit is not None
    assert audit["author_id"] == 21
    assert audit["created_at"] == "2025-03-03T09:00:00Z"
    ticket = api.ticket(1)
    assert (ticket["status"], "waiting" in ticket["tags"]) == ("pending", True)
    stale = api.put(
        "/api/v2/tickets/1.json",
        {"ticket": {"status": "open", "safe_update": True, "updated_stamp": stamp}},
    )
    assert stale.status_code == 409


def test_act_refuses_what_zendesk_refuses(emulator: Emulator) -> None:
    with pytest.raises(ApiError) as closed:
        emulator.act(3, by=11, note="Too late.")
    assert closed.value.status == 422
    with pytest.raises(ApiError):
        emulator.act(1, by=21, assignee=22)
    assert emulator.act(2, by=11, status="open") is None  # nothing changed


def test_absolute_times_are_accepted() -> None:
    entry = {"ticket": 2, "at": "2025-03-03T10:00:00Z", "by": 11, "priority": "high"}
    with Emulator(small_scenario(script=[entry]), rate_limits=RateLimits.disabled()) as emu:
        emu.clock.set(datetime(2025, 3, 3, 9, 59, 59, tzinfo=UTC))
        assert emu.snapshot()["tickets"]["2"]["priority"] is None
        emu.clock.set(datetime(2025, 3, 3, 10, 0, tzinfo=UTC))
        assert emu.snapshot()["tickets"]["2"]["priority"] == "high"
