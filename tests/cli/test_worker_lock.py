"""The worker lock as operators meet it: a cron run of ``zdsync once`` that overlaps another
run says who holds the lock and exits 3 without touching Zendesk; a daemon that finds the
lock taken skips its cycle, says so, and works once the lock is free again. Read-only
commands and dry runs that write nothing are not held up.

The other process is this test, holding the lock through the store port (on SQLite an
``flock`` on the file beside the database, which the subprocesses see as anyone would)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.store import SqlStore, open_store
from emulator import Emulator
from sync.ports import Lease
from sync.worker_lock import WORKER_LOCK
from tests.cli.conftest import ROOT, Cli

HOLDER = "zdsync once (pid 4242 on cron-host) since 2025-03-03 09:00:00Z"
PATIENCE = 60.0


@pytest.fixture
def held(cli: Cli) -> Iterator[Lease]:
    """The worker lock of the CLI's database, held by 'another process' (this test)."""
    cli.run("db", "upgrade")
    store: SqlStore = open_store(f"sqlite:///{cli.database}")
    lease = store.try_lock(WORKER_LOCK, holder=HOLDER)
    assert lease is not None
    try:
        yield lease
    finally:
        lease.release()
        store.close()


@pytest.mark.parametrize("command", [("once",), ("sync", "--no-progress"), ("decide",), ("push",)])
def test_a_second_run_says_who_holds_the_lock_and_exits_3(
    cli: Cli, held: Lease, demo_emulator: Emulator, command: tuple[str, ...]
) -> None:
    result = cli.run(*command, check=False)
    assert result.returncode == 3, result.stderr
    assert "another zdsync run holds the worker lock" in result.stderr
    assert HOLDER in result.stderr and "nothing was done" in result.stderr
    assert "Traceback" not in result.stderr
    assert demo_emulator.request_log == []


def test_read_only_commands_and_dry_runs_do_not_wait_for_the_lock(cli: Cli) -> None:
    cli.run("sync", "--no-progress")
    store = open_store(f"sqlite:///{cli.database}")
    lease = store.try_lock(WORKER_LOCK, holder=HOLDER)
    assert lease is not None
    try:
        for command in (("status",), ("tickets",), ("decide", "--dry-run"), ("push", "--dry-run")):
            cli.run(*command)
    finally:
        lease.release()
        store.close()


def test_the_daemon_skips_its_cycles_while_another_run_holds_the_lock(
    cli: Cli, held: Lease, demo_emulator: Emulator, tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    config = tmp_path / "zdsync.yaml"
    demo = Path(cli.env["ZDSYNC_CONFIG"]).read_text()
    config.write_text(demo.replace("interval_seconds: 60", "interval_seconds: 1"))
    env = {**cli.env, "ZDSYNC_CONFIG": str(config), "ZDSYNC_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "sync", "run"], env=env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(log, "skipping this cycle")
        assert HOLDER in log.read_text()
        assert demo_emulator.request_log == []
        held.release()
        _wait_for(log, "sync.cycle: cycle ok")
    finally:
        daemon.terminate()
        daemon.wait(timeout=PATIENCE)
    assert daemon.returncode == 0
    assert "Traceback" not in log.read_text()


def _wait_for(log: Path, text: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not logged within {PATIENCE}s:\n{log.read_text()}")
