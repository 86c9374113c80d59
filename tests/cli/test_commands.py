"""Every command of issue 2 end to end: sync, tickets, ticket, check, db, and the errors a
user meets first (bad configuration, no mirror yet)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from sync.cli.demo import demo_files
from tests.cli.conftest import ROOT, Cli

#: The demo world's partner tickets (fixtures/scenarios/demo.yaml): every ticket that is in
#: a partner group now, plus the solved, closed and deleted ones that stayed there.
DEMO_PARTNER_TICKETS = {
    1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012,
    1013, 1014, 1015, 1017, 1023, 1024, 1025, 1026,
}  # fmt: skip


def test_sync_mirrors_the_partner_groups_and_says_what_it_did(cli: Cli) -> None:
    result = cli.run("sync", "--no-progress")
    # What it did is the pull's log line (stderr); stdout holds results only.
    assert "20 kept" in result.stderr and "0 error(s)" in result.stderr
    assert "20 kept" not in result.stdout
    with sqlite3.connect(cli.database) as db:
        ids = {row[0] for row in db.execute("SELECT id FROM tickets")}
        audits = db.execute("SELECT count(*), count(DISTINCT id) FROM audits").fetchone()
    assert ids == DEMO_PARTNER_TICKETS
    assert audits[0] == audits[1] > 0


def test_a_second_sync_with_nothing_new_costs_one_request(cli: Cli, demo_emulator) -> None:  # type: ignore[no-untyped-def]
    cli.run("sync", "--no-progress")
    before = len(demo_emulator.request_log)
    cli.run("sync", "--no-progress")
    requests = demo_emulator.request_log[before:]
    assert [(r.method, r.path) for r in requests] == [
        ("GET", "/api/v2/incremental/tickets/cursor.json")
    ]


@pytest.mark.slow
def test_tickets_is_the_list_mode_latest_update_first(cli: Cli) -> None:
    cli.run("sync", "--no-progress")
    table = cli.run("tickets").stdout
    header = table.splitlines()[0].split()
    assert header[:4] == ["ID", "Entity", "System", "Subject"]
    assert "Last Update" in table.splitlines()[0] and "State" in header
    rows = json.loads(cli.run("tickets", "--json").stdout)["tickets"]
    assert {r["id"] for r in rows} == DEMO_PARTNER_TICKETS
    stamps = [r["updated_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    by_id = {r["id"]: r for r in rows}
    assert by_id[1001]["entity"] == "Gemeente Utrecht"
    assert by_id[1001]["system"] == "Mail"  # the dropdown's label, not its tag
    assert (by_id[1001]["state"], by_id[1014]["state"]) == ("Open", "Closed")


@pytest.mark.slow
def test_tickets_filters_by_group_and_state(cli: Cli) -> None:
    cli.run("sync", "--no-progress")
    acme_open = json.loads(cli.run("tickets", "--json", "--group", "Acme Networks",
                                   "--state", "open").stdout)["tickets"]  # fmt: skip
    assert acme_open and all(r["group"] == "Acme Networks" and r["state"] == "Open"
                             for r in acme_open)  # fmt: skip
    closed = json.loads(cli.run("tickets", "--json", "--state", "closed").stdout)["tickets"]
    assert {r["id"] for r in closed} >= {1006, 1013, 1014, 1015}
    unknown = cli.run("tickets", "--group", "Nobody", check=False)
    assert unknown.returncode == 2 and "not a partner group" in unknown.stderr


@pytest.mark.slow
def test_ticket_is_the_view_mode_with_every_comment_in_order(cli: Cli) -> None:
    cli.run("sync", "--no-progress")
    doc = json.loads(cli.run("ticket", "1010", "--json").stdout)
    assert doc["group"] == "Acme Networks" and doc["assignee"] == "Alice Acme"
    comments = [(c["author"], c["internal"]) for c in doc["comments"]]
    assert comments[1:] == [
        ("Ines de Vries", True),
        ("Alice Acme", True),
        ("Alice Acme", False),
    ]
    stamps = [c["at"] for c in doc["comments"]]
    assert stamps == sorted(stamps)
    text = cli.run("ticket", "1010").stdout
    assert "internal note" in text and "public reply" in text
    missing = cli.run("ticket", "1018", check=False)  # a Billing ticket: never mirrored
    assert missing.returncode == 1 and "not in the local mirror" in missing.stderr


def test_check_reports_every_check_and_passes_on_the_demo(cli: Cli) -> None:
    result = cli.run("check")
    for name in ("database", "credentials", "ISPnext group", "partner group Acme Networks",
                 "System field", "Total time spent (sec)"):  # fmt: skip
        assert name in result.stdout
    assert "FAIL" not in result.stdout


def test_check_fails_clearly_on_bad_credentials(cli: Cli) -> None:
    cli.env["ZENDESK_TOKEN"] = "wrong-token"
    result = cli.run("check", check=False)
    assert result.returncode == 1
    assert "401" in result.stdout and "ZENDESK_TOKEN" in result.stdout
    assert "wrong-token" not in result.stdout + result.stderr


def test_a_bad_configuration_stops_at_start_up_listing_every_problem(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("partners: [{name: X, group_id: zero}]\nsync: {page_size: -1}\n")
    cli.env["ZENDESK_URL"] = "ftp://nowhere"
    result = cli.run("--config", str(bad), "sync", check=False)
    assert result.returncode == 2
    for fragment in ("ispnext: missing", "partners[0].group_id", "sync.page_size", "ZENDESK_URL"):
        assert fragment in result.stderr


def test_db_upgrade_and_status(cli: Cli) -> None:
    assert "schema current" in cli.run("db", "upgrade").stdout
    assert "schema current" in cli.run("db", "status").stdout


def test_help_lists_the_commands(cli: Cli) -> None:
    result = cli.run("--help")
    for command in ("sync", "tickets", "ticket", "check", "db", "emulator", "demo", "run"):
        assert f"    {command}" in result.stdout


@pytest.mark.slow
def test_tickets_shows_the_latest_hundred_by_default_and_says_when_it_cut(cli: Cli) -> None:
    cli.run("sync", "--no-progress")
    cut = cli.run("tickets", "--limit", "5").stdout
    assert "5 ticket(s) (the latest 5;" in cut
    cut_json = json.loads(cli.run("tickets", "--json", "--limit", "5").stdout)
    assert (len(cut_json["tickets"]), cut_json["truncated"], cut_json["limit"]) == (5, True, 5)
    whole = json.loads(cli.run("tickets", "--json", "--limit", "0").stdout)
    assert (len(whole["tickets"]), whole["truncated"], whole["limit"]) == (20, False, None)
    everything = cli.run("tickets", "--limit", "0").stdout
    assert "20 ticket(s)\n" in everything


def test_json_logs_are_one_object_per_line(cli: Cli) -> None:
    result = cli.run("--log-format", "json", "sync", "--no-progress")
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines and {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["logger"] == "sync.pull" for line in lines)


def test_the_token_never_reaches_logs_or_the_database(cli: Cli) -> None:
    token = cli.env["ZENDESK_TOKEN"]
    result = cli.run("-v", "sync", "--no-progress")
    assert "DEBUG" in result.stderr  # the verbose log really was on
    assert token not in result.stdout + result.stderr
    assert token.encode() not in cli.database.read_bytes()
    for sidecar in cli.database.parent.glob(cli.database.name + "-*"):
        assert token.encode() not in sidecar.read_bytes()


def test_the_demo_runs_the_whole_worker_on_embedded_defaults(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `make demo` on a fresh machine: no credentials, no config, no database beforehand.
    env = {k: v for k, v in cli.env.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    cli.env = env
    result = cli.run("demo", "--dir", str(tmp_path / "demo"))
    out = result.stdout
    steps = ("1. sync", "2. tickets", "3. decide", "4. push", "5. the new Maintenance")
    for step in (*steps, "6. ticket 1001", "7. status"):
        assert f"=== {step}" in out
    # The follow-up tickets are the customers': their Entity is filled in.
    assert "3 follow-up ticket(s): #1027 for #1011, #1028 for #1012, #1029 for #1024" in out
    assert re.search(r"^1029 +Van Dijk Logistics +Mail +Change Request for #1024", out, re.M)
    assert "12 decision(s): 12 were new" in out
    assert "12 applied" in out and "3 follow-up ticket(s) created" in out
    assert "[zdsync: hand back] Acme Networks had this ticket" in out
    assert (tmp_path / "demo" / "zdsync.db").exists()


def test_the_demo_finds_its_files_under_fixtures_or_names_where_it_looked(
    cli: Cli, tmp_path: Path
) -> None:
    # An installed wheel (the Docker image) has no source tree: --fixtures names the folder.
    copy = tmp_path / "elsewhere"
    for part in ("scenarios/demo.yaml", "demo/zdsync.yaml"):
        (copy / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "fixtures" / part, copy / part)
    assert demo_files(copy) == (copy / "scenarios/demo.yaml", copy / "demo/zdsync.yaml")

    result = cli.run("demo", "--fixtures", str(tmp_path / "missing"), check=False)

    assert result.returncode == 2, result.stderr
    assert f"not in {tmp_path / 'missing'}: pass --fixtures DIR" in result.stderr
    assert "Traceback" not in result.stderr
