"""``zdsync push``, ``once`` and ``status`` as users run them: subprocesses against the push
world served by the emulator, on a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import Emulator, FaultKind, FaultRule, RateLimits, Scenario
from sync.cli.status_command import cursor_position
from sync.push.step import MAX_ATTEMPTS
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


@pytest.mark.slow
def test_once_dry_run_shows_the_merged_changes_and_sends_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db")

    shown = zdsync(env, "once", "--dry-run")

    assert shown.returncode == 0, shown.stderr
    assert "2017    update  hand_back, submit_as_open, time_entry_note" in shown.stdout
    assert "planned (dry run: nothing sent, nothing written)" in shown.stdout
    assert "entries:" not in shown.stdout  # the summaries are log lines, on stderr only
    assert not any(r.method in {"PUT", "POST"} for r in emulator.request_log)
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"]["pending"] == 0  # the dry-run decide enqueued nothing


@pytest.mark.slow
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
    assert " change(s) sent" in pushed.stdout  # the outcomes: in the status below
    status = zdsync(env, "status")
    assert status.returncode == 0
    assert f"Outbox:  0 pending, {DECISIONS} applied, 0 conflict" in status.stdout
    assert "oldest pending decision: none" in status.stdout
    assert "Audits:  0 ticket(s) waiting" in status.stdout


@pytest.mark.slow
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


def one_try_config(tmp_path: Path) -> Path:
    """The push world's configuration with one try per request: the CLI really sleeps
    between retries, and an outage is what these tests are about, not the backoff."""
    text = (ROOT / "fixtures" / "push" / "zdsync.yaml").read_text()
    config = tmp_path / "zdsync.yaml"
    config.write_text(text.replace("sync:\n", "sync:\n  max_attempts: 1\n", 1))
    return config


@pytest.mark.slow
def test_once_exits_1_while_an_outage_leaves_entries_unsent_and_status_says_why(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db") | {"ZDSYNC_CONFIG": str(one_try_config(tmp_path))}
    for method in ("PUT", "POST"):
        emulator.faults.add(FaultRule(FaultKind.STATUS, method=method, status=503))

    once = zdsync(env, "once")

    assert once.returncode == 1, once.stdout + once.stderr
    assert "stopped early (" in once.stdout and f"{DECISIONS} entr(y/ies) left" in once.stdout
    assert "push stopped: Zendesk or the network failed" in once.stderr  # the log, at ERROR
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"]["pending"] == DECISIONS and status["outbox"]["failed"] == 0
    assert status["push_stopped"]["left"] == DECISIONS
    assert "503" in status["push_stopped"]["reason"]
    text = zdsync(env, "status").stdout
    assert "Push:    STOPPED" in text and "no attempt counted" in text

    emulator.faults.clear()
    again = zdsync(env, "once")

    assert again.returncode == 0, again.stdout + again.stderr
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"]["applied"] == DECISIONS and status["push_stopped"] is None
    assert "Push:" not in zdsync(env, "status").stdout


@pytest.mark.slow
def test_retry_queues_failed_entries_again_and_refuses_unknown_keys(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path / "z.db")
    refused = {"error": "RecordInvalid", "description": "Assignee is invalid"}
    emulator.faults.add(FaultRule(FaultKind.STATUS, method="PUT", path=r"/tickets/2000$",
                                  status=422, body=refused))  # fmt: skip
    for _ in range(MAX_ATTEMPTS):  # Zendesk refuses it every cycle, until it runs out
        assert zdsync(env, "once").returncode == 1
    (failed,) = json.loads(zdsync(env, "status", "--json").stdout)["last_errors"]
    key = failed["key"]
    assert (failed["state"], failed["attempts"]) == ("failed", MAX_ATTEMPTS)
    emulator.faults.clear()  # the cause is fixed; the entry is not tried by itself again
    assert zdsync(env, "once").returncode == 1

    neither = zdsync(env, "retry")
    typo = zdsync(env, "retry", key, "hand_back:9999:nope")
    applied_key = next(
        e["key"] for e in json.loads(zdsync(env, "explain", "2001", "--json").stdout)["outbox"]
    )
    not_failed = zdsync(env, "retry", applied_key)

    assert neither.returncode == 2 and "--all" in neither.stderr
    assert (
        typo.returncode == 2 and "hand_back:9999:nope: no outbox entry has this key" in typo.stderr
    )
    assert not_failed.returncode == 2 and "not failed" in not_failed.stderr
    assert json.loads(zdsync(env, "status", "--json").stdout)["outbox"]["failed"] == 1

    queued = zdsync(env, "retry", key)

    assert queued.returncode == 0 and "1 failed entry queued again" in queued.stdout
    assert key in queued.stdout
    assert zdsync(env, "once").returncode == 0
    status = json.loads(zdsync(env, "status", "--json").stdout)
    assert status["outbox"] == {"pending": 0, "applied": DECISIONS, "conflict": 0, "skipped": 0,
                                "failed": 0}  # fmt: skip
    assert (
        zdsync(env, "retry", "--all").stdout.strip() == "retry: no failed entries; nothing queued"
    )
