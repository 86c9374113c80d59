"""Issue 2: "A kill -9 during a backfill followed by another zdsync sync gives the same
database as an uninterrupted run, with no duplicate rows."

A generated world (1,500 tickets, 150 of them partner tickets with audits) is exported in
pages of 50 with a small delay per page, so the backfill is long enough to be killed with
SIGKILL several times at different points; each kill is followed by another `zdsync sync`.
The result is compared, row by row, with an uninterrupted run against the same emulator.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.emulator import Emulator, FaultKind, FaultRule, RateLimits, Scenario
from tests.cli.conftest import ROOT, Cli, cli_env

CONFIG = """
ispnext: {groups: [{id: 100, name: ISPnext Support}]}
partners:
  - {name: Partner A, group_id: 201}
  - {name: Partner B, group_id: 202}
  - {name: Partner C, group_id: 203}
fields: {system: 7001}
sync: {backfill_since: 2020-01-01, page_size: 50, export_requests_per_minute: 100000}
"""

#: Columns that describe what was mirrored (not when or in which local order).
COMPARED = {
    "tickets": "id, status, group_id, assignee_id, subject, system, updated_at, "
    "generated_timestamp, raw, audits_pending_since IS NULL",
    "audits": "*",
    "audit_events": "*",
    "sync_state": "key, value",
}


@pytest.fixture
def world() -> Iterator[Emulator]:
    scenario = Scenario.generate(tickets=1500, partner_tickets=150, audits_per_partner_ticket=3,
                                 seed=7)  # fmt: skip
    with Emulator(scenario, rate_limits=RateLimits.disabled()) as emulator:
        yield emulator


def contents(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(database) as db:
        dump = {
            table: sorted(db.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
            for table, columns in COMPARED.items()
        }
        for table in ("tickets", "audits", "audit_events"):
            query = f"SELECT count(*), count(DISTINCT id) FROM {table}"
            total, distinct = db.execute(query).fetchone()
            assert total == distinct, f"duplicate rows in {table}"
    # The refresh time of the directory differs between runs by construction.
    dump["sync_state"] = [row for row in dump["sync_state"] if row[0] != "directory.refreshed_at"]
    return dump


def mirrored(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM tickets").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def kill_during_sync(cli: Cli, after_tickets: int) -> bool:
    """Start `zdsync sync`, SIGKILL it once ``after_tickets`` are mirrored. True if killed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", "sync", "--no-progress"],
        env=cli.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if mirrored(cli.database) >= after_tickets:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.02)
    process.wait()
    return False


@pytest.mark.slow
def test_killed_backfills_resume_to_the_same_database(world: Emulator, tmp_path: Path) -> None:
    config = tmp_path / "zdsync.yaml"
    config.write_text(CONFIG)
    reference, killed = (
        Cli(cli_env(world.base_url, tmp_path / name, config, "bench-token"), tmp_path / name)
        for name in ("reference.db", "killed.db")
    )

    # Slow every export page a little so that the kills land mid-backfill.
    world.faults.add(FaultRule(kind=FaultKind.SLOW, path=r"/incremental/", delay=0.05))
    reference.run("sync", "--no-progress")
    kills = [kill_during_sync(killed, threshold) for threshold in (10, 60, 110)]
    killed.run("sync", "--no-progress")

    assert sum(kills) >= 2, "the backfill finished before it could be killed"
    assert contents(killed.database) == contents(reference.database)
    assert mirrored(reference.database) == 150  # every partner ticket, nothing else
