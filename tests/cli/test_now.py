"""``--now TIME``: one global option, before or after the command, that every command's
clock follows. With the emulator's control API (``POST /_emulator/clock``) a test moves a
frozen world and the worker together, minute by minute."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from emulator import Emulator, RateLimits, Scenario
from sync.cli import build_parser
from sync.cli.clocks import clock_for
from sync.clock import FixedClock, RunningClock, SystemClock
from tests.cli.conftest import DEMO_CONFIG, DEMO_SCENARIO, Cli, cli_env

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
#: Ticket 1002 went to Fibernet (group 202) 30 minutes before START: due at +1h30m.
MARK = START + timedelta(hours=1, minutes=30)


@pytest.fixture
def frozen() -> Iterator[Emulator]:
    scenario = Scenario.load(DEMO_SCENARIO)
    limits = RateLimits.disabled()
    with Emulator(scenario, start=START, frozen=True, rate_limits=limits) as emulator:
        yield emulator


@pytest.fixture
def worker(frozen: Emulator, tmp_path: Path) -> Cli:
    database = tmp_path / "zdsync.db"
    return Cli(cli_env(frozen.base_url, database, DEMO_CONFIG), database)


def move_world(emulator: Emulator, to: datetime) -> None:
    answer = requests.post(f"{emulator.base_url}/_emulator/clock", json={"set": to.isoformat()})
    assert answer.ok and datetime.fromisoformat(answer.json()["now"]) == to


def group_of(emulator: Emulator, ticket_id: int) -> int:
    return int(emulator.snapshot()["tickets"][str(ticket_id)]["group_id"])


@pytest.mark.slow
def test_the_world_and_the_worker_move_together_and_the_hand_back_comes_at_its_minute(
    frozen: Emulator, worker: Cli
) -> None:
    worker.run("--now", START.isoformat(), "once")
    assert group_of(frozen, 1001) == 100  # three hours with Acme: handed back at once
    assert group_of(frozen, 1002) == 202

    move_world(frozen, MARK - timedelta(minutes=1))  # the script's +5m..+1h reply fires
    worker.run("once", "--now", (MARK - timedelta(minutes=1)).isoformat())
    assert group_of(frozen, 1002) == 202

    move_world(frozen, MARK)
    worker.run("once", "--now", MARK.isoformat())
    assert group_of(frozen, 1002) == 100
    # 1020 went to Acme at +10m (the script, as the world's clock passed it): not due yet.
    assert group_of(frozen, 1020) == 201


@pytest.mark.slow
def test_now_is_the_same_option_before_and_after_the_command(worker: Cli) -> None:
    worker.run("sync", "--no-progress")
    at = (START + timedelta(minutes=7)).isoformat()
    before = json.loads(worker.run("--now", at, "decide", "--dry-run", "--json").stdout)
    after = json.loads(worker.run("decide", "--dry-run", "--json", "--now", at).stdout)
    assert before["now"] == after["now"] == at
    assert before["decisions"] == after["decisions"] != []
    explained = json.loads(worker.run("explain", "1002", "--json", "--now", at).stdout)
    assert explained["now"] == at
    worker.run("decide", "--now", at)
    pushed = json.loads(worker.run("--now", at, "push", "--dry-run", "--json").stdout)
    assert pushed["now"] == at and pushed["changes"]


def test_status_measures_from_now(worker: Cli) -> None:
    at = (START + timedelta(minutes=3)).isoformat()
    assert json.loads(worker.run("status", "--json", "--now", at).stdout)["now"] == at


def test_a_bad_time_is_a_usage_error(worker: Cli) -> None:
    done = worker.run("--now", "yesterday", "status", check=False)
    assert done.returncode == 2 and "not an ISO-8601 time: 'yesterday'" in done.stderr


def parsed(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args([*argv])


def test_one_command_runs_at_one_instant_and_the_daemon_runs_on_from_it() -> None:
    assert isinstance(clock_for(parsed("status")), SystemClock)
    once = clock_for(parsed("once", "--now", "2025-03-03T10:00:00"))
    assert isinstance(once, FixedClock) and once.now() == START + timedelta(hours=1)
    daemon = clock_for(parsed("--now", "2025-03-03T10:00:00+01:00", "run"), running=True)
    assert isinstance(daemon, RunningClock) and daemon.now() >= START


def test_a_running_clock_starts_at_its_instant_and_keeps_the_pace() -> None:
    ticks = iter([100.0, 100.0, 161.5])
    clock = RunningClock(START, monotonic=lambda: next(ticks))
    assert clock.now() == START
    assert clock.now() == START + timedelta(seconds=61.5)
