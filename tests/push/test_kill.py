"""``zdsync once`` killed with SIGKILL at random points, over and over, then run to the end:
the same Zendesk end state as an uninterrupted run, nothing lost, nothing doubled.

Both runs are the CLI as users run it (``python -m sync once`` in a subprocess) against the
push world served by the emulator in this process, each on a fresh emulator and database.
Kill points are chosen by what the worker has done, read from the emulator's request log:
most kills come a random number (1-3) of writes (updates, creations) after the process
started writing, so they land all through the push, between a write and the recording of
its outcome too; every fourth comes after a random number of requests of any kind, so
pulls and audit fetches are cut as well. The notes are compared word for word, so the push
world's configuration leaves durations out of the hand-back note.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.emulator import Emulator, RateLimits, Scenario
from adapters.store import open_store
from tests.push.conftest import (
    DECISIONS,
    FOLLOW_UPS,
    PUSH_CONFIG,
    PUSH_SCENARIO,
    ROOT,
    TOKEN,
    worker_comments,
)

KILLS = 20
#: How long one run may take before the test gives up on it (it normally takes 2-3 s).
RUN_TIMEOUT = 60.0
WRITES = frozenset({"PUT", "POST"})


def env_for(emulator: Emulator, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    env.update(
        ZENDESK_URL=emulator.base_url,
        ZENDESK_EMAIL="zdsync@ispnext.example",
        ZENDESK_TOKEN=TOKEN,
        ZDSYNC_DATABASE_URL=f"sqlite:///{database}",
        ZDSYNC_CONFIG=str(PUSH_CONFIG),
        ZDSYNC_LOG_LEVEL="ERROR",
    )
    return env


def start_once(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync", "once"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def requests_made(emulator: Emulator, *, writes_only: bool) -> int:
    log = list(emulator.request_log)
    return sum(1 for r in log if r.method in WRITES) if writes_only else len(log)


def kill_at_random_point(
    emulator: Emulator, env: dict[str, str], rng: random.Random, n: int
) -> bool:
    """Start ``zdsync once`` and SIGKILL it after a random amount of work; True when it was
    killed while still running."""
    writes_only = n % 4 != 0
    steps = rng.randint(1, 3) if writes_only else rng.randint(1, 20)
    target = requests_made(emulator, writes_only=writes_only) + steps
    process = start_once(env)
    try:
        while requests_made(emulator, writes_only=writes_only) < target:
            try:
                process.wait(timeout=0.005)  # wakes on exit; else looks at the log again
            except subprocess.TimeoutExpired:
                continue
            return False  # it finished first
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=RUN_TIMEOUT)
        return process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def run_to_the_end(env: dict[str, str], database: Path) -> None:
    """``zdsync once`` until it succeeds with nothing left pending or retryable."""
    for _ in range(5):
        done = subprocess.run([sys.executable, "-m", "sync", "once"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT,
                              check=False)  # fmt: skip
        store = open_store(f"sqlite:///{database}")
        waiting = store.outbox(states=("pending", "failed"))
        store.close()
        if done.returncode == 0 and not waiting:
            return
    raise AssertionError(f"still waiting after 5 runs: {waiting}\n{done.stdout}\n{done.stderr}")


def outbox_of(database: Path) -> dict[str, str]:
    store = open_store(f"sqlite:///{database}")
    try:
        return {entry.key: entry.state for entry in store.outbox()}
    finally:
        store.close()


@pytest.mark.slow
def test_once_killed_twenty_times_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    scenario = Scenario.load(PUSH_SCENARIO)
    limits = RateLimits.disabled()
    with Emulator(scenario, frozen=True, rate_limits=limits) as emulator:
        database = tmp_path / "uninterrupted.db"
        run_to_the_end(env_for(emulator, database), database)
        expected, expected_outbox = emulator.snapshot(), outbox_of(database)

    rng = random.Random(4)
    kills = attempts = 0
    with Emulator(scenario, frozen=True, rate_limits=limits) as emulator:
        database = tmp_path / "killed.db"
        env = env_for(emulator, database)
        while kills < KILLS and attempts < 4 * KILLS:
            attempts += 1
            kills += kill_at_random_point(emulator, env, rng, attempts)
        run_to_the_end(env, database)
        actual, outbox = emulator.snapshot(), outbox_of(database)

    assert kills == KILLS
    assert actual == expected
    assert outbox == expected_outbox
    assert len(outbox) == DECISIONS and set(outbox.values()) == {"applied"}
    for ticket_id in {int(key.split(":")[1]) for key in outbox}:
        assert len(worker_comments(actual, ticket_id)) == 1, ticket_id
    assert len(actual["created_tickets"]) == FOLLOW_UPS
