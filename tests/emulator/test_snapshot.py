"""The canonical end state used by "same end state as the fault-free run" tests."""

from __future__ import annotations

import json

from emulator import Emulator, RateLimits
from tests.emulator.conftest import Api, small_scenario


def run_once(faulty: bool) -> dict[str, object]:
    with Emulator(small_scenario(), rate_limits=RateLimits.disabled()) as emu:
        api = Api(emu.base_url)
        if faulty:
            emu.faults.add("status:status=503,method=PUT,first=1")
        for _ in range(2):  # a client that retries once on 503
            if api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "high"}}).ok:
                break
        api.post("/api/v2/tickets.json", {"ticket": {"comment": {"body": "Follow-up"}}})
        return emu.snapshot()


def test_snapshots_of_equivalent_runs_are_equal_and_json_able() -> None:
    clean, faulty = run_once(False), run_once(True)
    assert clean == faulty
    assert json.loads(json.dumps(clean)) == clean
    assert clean["created_tickets"][0]["description"] == "Follow-up"  # type: ignore[index]


def test_snapshot_shows_changes(emulator: Emulator) -> None:
    before = emulator.snapshot()
    emulator.act(2, by=11, note="Internal.")
    after = emulator.snapshot()
    assert before != after
    assert after["tickets"]["2"]["comments"][-1] == {
        "author_id": 11,
        "public": False,
        "body": "Internal.",
    }
    audits = after["tickets"]["2"]["audits"]
    assert all(set(audit) == {"author_id", "channel", "events"} for audit in audits)
    assert all(
        "id" not in event and "audit_id" not in event for a in audits for event in a["events"]
    )
