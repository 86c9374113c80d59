"""A record the export sends that cannot be read (issue 8 defect 3), as users meet it:
``zdsync once`` and ``status`` in subprocesses against the push world, one ticket's record
spoiled. The ticket is read again on its own, mirrored and acted on; while it cannot be
read, ``status`` lists it with the reason and ``once`` says so in a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.store import open_store
from emulator import Emulator, FaultKind, FaultRule
from tests.push.conftest import DECISIONS
from tests.push.test_cli import emulator, zdsync
from tests.push.test_kill import env_for

__all__ = ["emulator"]  # the fixture, shared with test_cli

EXPORT = "incremental/tickets/cursor"
#: Block 0 of the push world: a hand back is due on this ticket at START.
SPOILED = 2000


def applied_on(database: Path, ticket_id: int) -> list[str]:
    store = open_store(f"sqlite:///{database}")
    try:
        return [e.key for e in store.outbox(ticket_id=ticket_id, states=("applied",))]
    finally:
        store.close()


@pytest.mark.slow
def test_a_ticket_spoiled_in_the_export_is_mirrored_and_acted_on_in_the_same_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db")
    emulator.faults.add(FaultRule(FaultKind.MISSING_FIELDS, method="GET", path=EXPORT,
                                  ticket=SPOILED))  # fmt: skip

    once = zdsync(env, "once", "--json")

    assert once.returncode == 0, once.stderr
    report = json.loads(once.stdout)
    counts = report["pull"]["counts"]
    assert (counts["skipped"], counts["reread_ok"], counts["unreadable"]) == (1, 1, 0)
    assert report["push"]["outcomes"] == {"applied": DECISIONS}  # 60 of 60, its own included
    assert any(
        key.startswith(f"hand_back:{SPOILED}:") for key in applied_on(tmp_path / "z.db", SPOILED)
    )
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["unreadable_tickets"] == []
    assert any(e.path.endswith(f"/tickets/{SPOILED}.json") for e in emulator.request_log)


@pytest.mark.slow
def test_one_that_stays_unreadable_is_listed_until_it_can_be_read(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db") | {"ZDSYNC_LOG_LEVEL": "WARNING"}
    emulator.faults.add(FaultRule(FaultKind.UNKNOWN_STATUS, method="GET", path=EXPORT,
                                  ticket=SPOILED))  # fmt: skip
    emulator.faults.add(FaultRule(FaultKind.MISSING_FIELDS, method="GET",
                                  path=rf"/tickets/{SPOILED}$", ticket=SPOILED))  # fmt: skip

    once = zdsync(env, "once")

    # Exit 0: everything that could be done was; the warning and status say what was not.
    assert once.returncode == 0, once.stderr
    assert "1 ticket(s) Zendesk sent cannot be read" in once.stderr
    assert f"ticket {SPOILED} still cannot be read" in once.stderr
    (listed,) = json.loads(zdsync(env, "status", "--json").stdout)["unreadable_tickets"]
    assert listed["ticket_id"] == SPOILED and listed["tries"] == 1
    assert "status" in listed["reason"] and listed["since"] is not None
    text = zdsync(env, "status").stdout
    assert "Unreadable: 1 ticket(s)" in text and f"ticket {SPOILED}: " in text
    assert applied_on(tmp_path / "z.db", SPOILED) == []

    emulator.faults.clear()  # Zendesk's record is readable again, but unchanged
    again = zdsync(env, "once", "--json")

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["pull"]["counts"]["reread_ok"] == 1
    assert any(
        key.startswith(f"hand_back:{SPOILED}:") for key in applied_on(tmp_path / "z.db", SPOILED)
    )
    assert json.loads(zdsync(env, "status", "--json").stdout)["unreadable_tickets"] == []
    assert "Unreadable: none" in zdsync(env, "status").stdout
