"""``zdsync push``, ``once`` and ``status`` as users run them: subprocesses against the push
world served by the emulator, on a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.emulator import Emulator, FaultKind, FaultRule, RateLimits, Scenario
from sync.cli.push_commands import cursor_position
from tests.push.conftest import DECISIONS, PUSH_SCENARIO, ROOT
from tests.push.test_kill import env_for


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    scenario = Scenario.load(PUSH_SCENARIO)
    # Started now: the CLI's clock is the system's.
    with Emulator(scenario, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        yield emu


def zdsync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_once_dry_run_shows_the_merged_changes_and_sends_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db")

    shown = zdsync(env, "once", "--dry-run")

    assert shown.returncode == 0, shown.stderr
    assert "2017    update  hand_back, submit_as_open, time_entry_note" in shown.stdout
    assert f"entries: {DECISIONS} planned" in shown.stdout
    assert "dry run: nothing sent, nothing written" in shown.stdout
    assert not any(r.method in {"PUT", "POST"} for r in emulator.request_log)
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"]["pending"] == 0  # the dry-run decide enqueued nothing


def test_decide_then_push_then_status(emulator: Emulator, tmp_path: Path) -> None:
    env = env_for(emulator, tmp_path / "z.db")
    assert zdsync(env, "sync").returncode == 0
    assert zdsync(env, "decide").returncode == 0
    planned = json.loads(zdsync(env, "push", "--dry-run", "--json").stdout)
    assert planned["outcomes"] == {"planned": DECISIONS}
    (change,) = [c for c in planned["changes"] if c["ticket_id"] == 2000]
    assert change["change"]["fields"] == {"group_id": 100, "assignee_id": 11}
    assert change["change"]["updated_stamp"].endswith("Z")

    pushed = zdsync(env, "push")

    assert pushed.returncode == 0, pushed.stderr
    assert f"entries: {DECISIONS} applied" in pushed.stdout
    status = zdsync(env, "status")
    assert status.returncode == 0
    assert f"Outbox:  0 pending, {DECISIONS} applied, 0 conflict" in status.stdout
    assert "oldest pending decision: none" in status.stdout
    assert "Audits:  0 ticket(s) waiting" in status.stdout


def test_once_exits_1_when_an_entry_failed_and_status_shows_the_error(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db")
    refused = {"error": "RecordInvalid", "description": "Assignee is invalid"}
    emulator.faults.add(FaultRule(FaultKind.STATUS, method="PUT", path=r"/tickets/2000$",
                                  status=422, body=refused))  # fmt: skip

    once = zdsync(env, "once")

    assert once.returncode == 1
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"]["failed"] == 1
    (error,) = status["last_errors"]
    assert error["key"].startswith("hand_back:2000:") and "Assignee is invalid" in error["error"]
    assert status["export_position"] is not None and "ticket" in status["export_position"]


def test_a_cursor_of_another_shape_has_no_position() -> None:
    assert cursor_position("MTcwNzI3MTc0MS4wfHw0MDQ1fA==") == "2024-02-07 02:09:01 UTC, ticket 4045"
    assert cursor_position("opaque!") is None and cursor_position(None) is None
