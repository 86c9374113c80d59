"""``zdsync once`` killed with SIGKILL at chosen points, over and over, then run to the end:
the same Zendesk end state as an uninterrupted run, nothing lost, nothing doubled.

Both runs are the CLI as users run it (``python -m sync once`` in a subprocess) against the
push world served by the emulator in this process, each on a fresh emulator and database.

Each kill point is one request of the run, chosen by count (see ``kill_point``): the
first kill lands in the first pull, the others at the run's first or second update, its
first creation, or one of its first three requests (the export, re-reads of writes whose
answer was lost). The emulator applies that request and holds its answer
(``tests/kill_at_request.py``), so the worker is stuck right between a write and the
recording of its outcome until the SIGKILL: the moment exists however slow the machine is,
a late kill cannot let the worker do more than planned, and the plan (seeded) is the same
on every run. A run that ends before its chosen request is
not counted as a kill. The notes are compared word for word, so the push world's
configuration leaves durations out of the hand-back note.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.store import open_store
from emulator import Emulator, FaultRule, RateLimits, Scenario
from tests.kill_at_request import held, kill_at
from tests.push.conftest import (
    DECISIONS,
    FOLLOW_UPS,
    PUSH_CONFIG,
    PUSH_SCENARIO,
    ROOT,
    TOKEN,
    compared_worlds_start,
    worker_comments,
)
from tests.worker_env import worker_env

pytestmark = pytest.mark.slow

KILLS = 20
#: How long one run may take before the test gives up on it (it normally takes 2-3 s).
RUN_TIMEOUT = 60.0


def env_for(emulator: Emulator, database: Path) -> dict[str, str]:
    return worker_env(
        emulator.base_url, f"sqlite:///{database}", PUSH_CONFIG, token=TOKEN, log_level="ERROR"
    )


def kill_point(rng: random.Random, attempt: int) -> FaultRule:
    """Where attempt ``attempt`` is cut. The first at one of its first 60 requests (the
    pull: directory, export, audit fetches, all still to do); after it, every fifth at one
    of the run's first three requests (the export, re-reads of writes whose answer was
    lost), every fifth at its first creation, the others at its first or second update.
    The counts are small so that the push world's 60 writes last for twenty kills."""
    if attempt == 1:
        return held(rng.randint(1, 60))
    if attempt % 5 == 0:
        return held(rng.randint(1, 3))
    if attempt % 5 == 3:
        return held(1, method="POST")
    return held(rng.randint(1, 2), method="PUT")


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


def test_once_killed_twenty_times_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    scenario = Scenario.load(PUSH_SCENARIO)
    limits = RateLimits.disabled()
    with Emulator(
        scenario, start=compared_worlds_start(), frozen=True, rate_limits=limits
    ) as emulator:
        database = tmp_path / "uninterrupted.db"
        run_to_the_end(env_for(emulator, database), database)
        expected, expected_outbox = emulator.snapshot(), outbox_of(database)

    rng = random.Random(4)
    cut: list[str] = []
    attempts = 0
    with Emulator(
        scenario, start=compared_worlds_start(), frozen=True, rate_limits=limits
    ) as emulator:
        database = tmp_path / "killed.db"
        env = env_for(emulator, database)
        while len(cut) < KILLS and attempts < 4 * KILLS:
            attempts += 1
            point = kill_point(rng, attempts)
            if kill_at(emulator, point, ["once"], env, ROOT):
                cut.append(f"{point.method} #{point.nth}")
        run_to_the_end(env, database)
        actual, outbox = emulator.snapshot(), outbox_of(database)

    # What the product promises, first: the same end state, nothing lost, nothing doubled.
    assert actual == expected
    assert outbox == expected_outbox
    assert len(outbox) == DECISIONS and set(outbox.values()) == {"applied"}
    for ticket_id in {int(key.split(":")[1]) for key in outbox}:
        assert len(worker_comments(actual, ticket_id)) == 1, ticket_id
    assert len(actual["created_tickets"]) == FOLLOW_UPS
    # Then that the test did what it says: every kill point was reached and cut.
    assert len(cut) == KILLS, f"{len(cut)} kills in {attempts} attempts: {cut}"
    assert {point.split()[0] for point in cut} == {"PUT", "POST", "*"}, cut
