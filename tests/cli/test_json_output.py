"""What scripts and log shippers read: each ``--json`` document's shape (docs/cli.md), the
JSON log of a whole cycle line by line, and the daemon's one line for a refused token."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

from emulator import Emulator, FaultKind, FaultRule
from tests.cli.conftest import ROOT, Cli

PULL_KEYS = {
    "directory_refreshed", "counts", "errors", "caught_up_to", "seconds", "export_seconds",
    "audit_seconds",
}  # fmt: skip
PULL_COUNTS = {
    "pages", "exported", "kept", "skipped", "audits_fetched", "audit_records", "audits_failed",
    "audits_pending", "reread", "reread_ok", "unreadable", "people", "errors",
}  # fmt: skip
STATUS_KEYS = {
    "now", "outbox", "oldest_pending", "last_errors", "export_cursor", "export_position",
    "export_caught_up_to", "cursor_lag_seconds", "last_cycle", "last_pull_error",
    "directory_refreshed_at", "directory_failing", "tickets_waiting_for_audits",
    "unreadable_tickets", "push_stopped",
}  # fmt: skip


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(cli.run(*args).stdout)


def test_sync_json_says_what_the_pull_did(cli: Cli) -> None:
    document = _json(cli, "sync", "--no-progress", "--json")
    assert set(document) == PULL_KEYS and set(document["counts"]) == PULL_COUNTS
    assert (document["counts"]["kept"], document["errors"]) == (20, [])
    assert document["caught_up_to"] is not None


def test_once_json_holds_each_step(cli: Cli) -> None:
    document = _json(cli, "once", "--json")
    keys = {"failed", "failed_entries", "stopped", "seconds", "pull", "decide", "push"}
    assert set(document) == keys
    assert document["failed"] is False and document["stopped"] is None
    assert set(document["pull"]) == PULL_KEYS
    assert document["decide"]["new"] == 12 and document["push"]["outcomes"] == {"applied": 12}


def test_status_json_and_text_show_the_lag_the_last_cycle_and_pull_error(cli: Cli) -> None:
    before = _json(cli, "status", "--json")
    assert set(before) == STATUS_KEYS
    assert (before["last_cycle"], before["cursor_lag_seconds"]) == (None, None)
    cli.run("once")
    after = _json(cli, "status", "--json")
    assert set(after["last_cycle"]) == {"ended_at", "result", "seconds", "error", "last_success_at"}
    assert after["last_cycle"]["last_success_at"] == after["last_cycle"]["ended_at"]
    assert after["last_cycle"]["result"] == "ok" and after["last_pull_error"] is None
    assert 0 <= after["cursor_lag_seconds"] < 600
    text = cli.run("status").stdout
    assert "Cycle:   last ended " in text and " UTC, ok (" in text
    assert "caught up to " in text and " ago" in text


def test_a_failed_pull_is_remembered_for_status(cli: Cli, demo_emulator: Emulator) -> None:
    cli.run("sync", "--no-progress")
    refused = {"error": "Forbidden", "description": "You do not have access"}
    demo_emulator.faults.add(FaultRule(FaultKind.STATUS, method="GET", path=r"/incremental/",
                                       status=403, body=refused))  # fmt: skip
    # Access refused stops the pull (and a cycle) at once, remembered all the same.
    assert cli.run("sync", "--no-progress", check=False).returncode == 1
    status = _json(cli, "status", "--json")
    assert status["last_pull_error"]["error"].startswith("export: ")
    assert "last pull error " in cli.run("status").stdout


def test_check_json_lists_every_check(cli: Cli) -> None:
    document = _json(cli, "check", "--json")
    assert set(document) == {"ok", "passed", "failed", "checks"}
    assert document["ok"] is True and document["failed"] == 0
    assert document["passed"] == len(document["checks"]) > 3
    assert all(set(c) == {"name", "level", "detail"} for c in document["checks"])


def test_db_status_json(cli: Cli) -> None:
    upgraded = _json(cli, "db", "upgrade", "--json")
    assert set(upgraded) == {"state", "current", "head"} and upgraded["state"] == "current"
    assert _json(cli, "db", "status", "--json") == upgraded


def test_a_cycle_logs_json_lines_with_structured_fields(cli: Cli) -> None:
    result = cli.run("once", "--log-format", "json")
    assert result.stdout.strip() and not result.stdout.lstrip().startswith("{")
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    assert all(e["time"].endswith("Z") for e in lines)  # UTC

    by_step: dict[str, list[dict[str, Any]]] = {}
    for entry in lines:
        by_step.setdefault(entry.get("step", ""), []).append(entry)
    (pull,) = [e for e in by_step["pull"] if "counts" in e]
    assert pull["counts"]["kept"] == 20 and isinstance(pull["duration_s"], float)
    queued = [e for e in by_step["decide"] if "rule" in e]
    assert len(queued) == 12 and all(isinstance(e["ticket_id"], int) for e in queued)
    applied = [e for e in by_step["push"] if e.get("outcome") == "applied"]
    assert len(applied) == 12 and {e["key"] for e in applied} == {e["key"] for e in queued}
    (cycle,) = by_step["cycle"]
    assert (cycle["level"], cycle["result"]) == ("INFO", "ok")


def test_the_daemon_says_a_refused_token_in_one_line_per_cycle(cli: Cli) -> None:
    cli.env["ZENDESK_TOKEN"] = "wrong-token"
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", "run"], env=cli.env, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    threading.Thread(
        target=lambda: [lines.put(x) for x in process.stderr or ()], daemon=True
    ).start()
    seen = []
    try:
        while not any("daemon: cycle failed" in line for line in seen):
            seen.append(lines.get(timeout=60))  # a safety net, not a pause: the line ends it
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    rest = (process.stderr.read() if process.stderr else "") or ""
    while not lines.empty():
        seen.append(lines.get())
    log = "".join(seen) + rest
    (failure,) = [line for line in log.splitlines() if "daemon: cycle failed" in line]
    assert "401" in failure and "ERROR" in failure
    assert "Traceback" not in log and "wrong-token" not in log
    assert "stopped after 1 cycle(s), 1 failed" in log
