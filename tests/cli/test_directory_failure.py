"""Issue 9, item 3: one directory listing that fails does not stop the rules. The demo world
over real HTTP, ``zdsync`` in a subprocess, and a fault on the users listing only (a page
that links to itself for ever, or a 4xx): the last good directory is kept and decided on,
``check`` names the listing, a first run without any good copy says which listing is
missing, and a deterministic failure is asked once, not retried."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.store import open_store
from emulator import Emulator, FaultKind, FaultRule
from sync.pull.directory import LISTINGS_KEY, WORKER_ID_KEY
from tests.cli.conftest import Cli

USERS = r"^/api/v2/users$"  # the listing, not /users/me or /users/show_many
USERS_PATH = "/api/v2/users.json"


def users_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.request_log if r.path == USERS_PATH)


def decisions(cli: Cli) -> list[str]:
    document = json.loads(cli.run("decide", "--dry-run", "--json").stdout)
    return sorted(line["key"] for line in document["decisions"])


def state(database: Path, key: str) -> str | None:
    store = open_store(f"sqlite:///{database}")
    try:
        return store.read_state(key)
    finally:
        store.close()


def test_a_failing_user_listing_keeps_the_last_good_directory(
    cli: Cli, demo_emulator: Emulator
) -> None:
    cli.run("sync")
    before = decisions(cli)
    assert before  # the demo world has work for every rule
    demo_emulator.faults.add(FaultRule(FaultKind.REPEAT_PAGE, method="GET", path=USERS))
    asked = users_requests(demo_emulator)

    synced = cli.run("sync", "--refresh-directory", check=False)

    assert synced.returncode == 1
    assert "the users listing (GET /api/v2/users) failed" in synced.stderr
    assert "keeping the copy read at" in synced.stderr
    # The page and its repeat, then no retry: a loop would loop again.
    assert users_requests(demo_emulator) - asked == 2
    assert decisions(cli) == before  # decided on the users read by the good pull
    listings = json.loads(state(cli.database, LISTINGS_KEY) or "{}")
    assert listings["users"]["read_at"] and "pagination loop" in listings["users"]["error"]
    assert listings["groups"]["error"] is None  # the other listings were read and stored

    status = json.loads(cli.run("status", "--json").stdout)
    (failing,) = status["directory_failing"]
    assert (failing["listing"], failing["endpoint"]) == ("users", "GET /api/v2/users")
    assert failing["read_at"] and "pagination loop" in failing["error"]
    assert "the users listing (GET /api/v2/users) FAILED" in cli.run("status").stdout

    checked = cli.run("check", "--json", check=False)
    assert checked.returncode == 1
    failed = [c for c in json.loads(checked.stdout)["checks"] if c["level"] == "FAIL"]
    assert [c["name"] for c in failed] == ["users listing"]
    assert "GET /api/v2/users" in failed[0]["detail"]
    assert "pagination loop" in failed[0]["detail"]


def test_a_first_run_without_a_good_user_listing_says_which_listing_is_missing(
    cli: Cli, demo_emulator: Emulator
) -> None:
    demo_emulator.faults.add(
        FaultRule(FaultKind.STATUS, status=400, method="GET", path=USERS, body={"error": "no"})
    )

    synced = cli.run("sync", check=False)

    assert synced.returncode == 1
    assert "the users listing (GET /api/v2/users) failed (no copy read yet)" in synced.stderr
    assert users_requests(demo_emulator) == 1  # a 400 is asked once: it would be refused again
    assert state(cli.database, WORKER_ID_KEY) == "1"  # from /users/me, on its own
    decided = cli.run("decide", check=False)
    assert decided.returncode == 1
    assert "no good copy yet of the users listing (GET /api/v2/users)" in decided.stderr
    assert "400" in decided.stderr
    explained = cli.run("explain", "1001", check=False)
    assert explained.returncode == 1 and "users listing" in explained.stderr
