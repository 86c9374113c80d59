"""Two workers on one PostgreSQL database, as operators run them: two ``zdsync run``
daemons (replicas), or one daemon with an operator's ``zdsync once`` run again and again
beside it. Against the push world, in three rounds (the world as it is, then two rounds
of agents editing tickets again), they must end exactly as one worker does: the same
Zendesk end state, the same outbox, no note or follow-up twice, no traceback, and the
write requests of one worker (within 10 %).

Every worker is the CLI in a subprocess on a fresh, empty database (so the replicas also
race to create the schema). A round ends on events, not time: the outbox has nothing
pending or failed, and two whole cycles have ended since the round's edits became
visible (the second of them began after that, and the worker lock lets no other cycle
run beside it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from adapters.store import open_store
from emulator import Emulator, RateLimits, Scenario
from sync.push.merge import refs_in
from tests.push.conftest import PUSH_CONFIG, PUSH_SCENARIO, ROOT, TOKEN, compared_worlds_start
from tests.store.conftest import DEFAULT_POSTGRES, POSTGRES_ENV, scratch_database
from tests.worker_env import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

#: Agents' edits after the first round, each a new decision: a partner setting a ticket
#: to pending again (Submit as Open), recording time with only a public reply (a note).
ROUNDS: tuple[tuple[dict[str, Any], ...], ...] = (
    (),
    (
        {"ticket": 2002, "by": 21, "status": "pending", "reply": "Waiting again."},
        {"ticket": 2012, "by": 31, "status": "pending", "reply": "Waiting again."},
        {"ticket": 2004, "by": 21, "time": 600, "reply": "More work."},
        {"ticket": 2014, "by": 31, "time": 300, "reply": "Done."},
    ),
    (
        {"ticket": 2022, "by": 21, "status": "pending", "reply": "Waiting again."},
        {"ticket": 2024, "by": 21, "time": 600, "reply": "More work."},
        {"ticket": 2008, "by": 21, "status": "pending", "reply": "Waiting for you."},
    ),
)
#: The export leaves out the last minute's changes: the clock moves past it after edits.
EXPORT_LAG_SECONDS = 120
ROUND_TIMEOUT = 240.0
CYCLE_END = re.compile(r"sync\.cycle: cycle (ok|with failures)")
WRITES = frozenset({"PUT", "POST"})


@dataclass
class Outcome:
    snapshot: dict[str, Any]
    outbox: dict[str, str]
    requests: Counter[str]
    logs: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return sum(n for method, n in self.requests.items() if method in WRITES)


@dataclass
class Workers:
    """The worker processes of one run and their logs."""

    env: dict[str, str]
    folder: Path
    daemons: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start_daemon(self) -> None:
        log = self.folder / f"run-{len(self.daemons)}.log"
        self.logs.append(log)
        self.daemons.append(self._start("run", log))

    def once(self) -> int:
        log = self.folder / f"once-{len(self.logs)}.log"
        self.logs.append(log)
        process = self._start("once", log)
        code = process.wait(timeout=ROUND_TIMEOUT)
        assert code in {0, 3}, f"zdsync once exited {code}:\n{log.read_text()}"
        return code

    def _start(self, command: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "sync", command], env=self.env, cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def cycles_ended(self) -> int:
        return sum(len(CYCLE_END.findall(log.read_text())) for log in self.logs if log.exists())

    def stop(self) -> None:
        for daemon in self.daemons:
            daemon.terminate()
        for daemon in self.daemons:
            daemon.wait(timeout=60)

    def texts(self) -> list[str]:
        return [log.read_text() for log in self.logs]


@pytest.fixture(scope="module")
def postgres() -> str:
    return os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES


@pytest.fixture(scope="module")
def single_worker(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """What one ``zdsync run`` does in the three rounds: the reference."""
    return run_rounds(postgres, tmp_path_factory.mktemp("single"), daemons=1)


def test_two_daemons_on_one_database_do_what_one_does(
    postgres: str, single_worker: Outcome, tmp_path: Path
) -> None:
    replicas = run_rounds(postgres, tmp_path, daemons=2)
    print(f"requests: one worker {dict(single_worker.requests)}, two {dict(replicas.requests)}")
    assert_like_one_worker(replicas, single_worker)


def test_a_daemon_with_an_operators_once_beside_it_does_what_one_does(
    postgres: str, single_worker: Outcome, tmp_path: Path
) -> None:
    mixed = run_rounds(postgres, tmp_path, daemons=1, with_once=True)
    print(f"requests: one worker {dict(single_worker.requests)}, run+once {dict(mixed.requests)}")
    assert_like_one_worker(mixed, single_worker)


def assert_like_one_worker(actual: Outcome, single: Outcome) -> None:
    for text in actual.logs:
        assert "Traceback" not in text, text
    assert actual.outbox == single.outbox
    assert set(actual.outbox.values()) == {"applied"}
    refs: Counter[str] = Counter()
    for document in actual.snapshot["tickets"].values():
        for comment in document["comments"]:
            if comment["author_id"] == 1:
                refs.update(refs_in(comment["body"]))
    assert [ref for ref, n in refs.items() if n > 1] == []
    assert len(refs) == len(actual.outbox)
    assert len(actual.snapshot["created_tickets"]) == len(single.snapshot["created_tickets"])
    assert actual.snapshot == single.snapshot
    assert actual.writes <= 1.1 * single.writes


def run_rounds(postgres: str, folder: Path, *, daemons: int, with_once: bool = False) -> Outcome:
    scenario = Scenario.load(PUSH_SCENARIO)
    config = folder / "zdsync.yaml"
    every_second = PUSH_CONFIG.read_text().replace("interval_seconds: 60", "interval_seconds: 1")
    config.write_text(every_second)
    with (
        Emulator(
            scenario, start=compared_worlds_start(), frozen=True, rate_limits=RateLimits.disabled()
        ) as emulator,
        scratch_database(make_url(postgres)) as database,
    ):
        workers = Workers(_env(emulator, database, config), folder)
        for _ in range(daemons):
            workers.start_daemon()
        try:
            for edits in ROUNDS:
                for edit in edits:
                    emulator.act(edit["ticket"], **{k: v for k, v in edit.items() if k != "ticket"})
                emulator.clock.advance(EXPORT_LAG_SECONDS)
                _until_quiet(workers, database, workers.once if with_once else None)
        finally:
            workers.stop()
        return Outcome(
            snapshot=emulator.snapshot(),
            outbox=_outbox(database),
            requests=Counter(request.method for request in emulator.request_log),
            logs=workers.texts(),
        )


def _until_quiet(workers: Workers, database: str, between: Callable[[], int] | None) -> None:
    """Wait for the end of a round (see the module docstring); run ``between`` (an
    operator's ``once``) meanwhile, again and again."""
    ended_before = workers.cycles_ended()
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        if between is not None:
            between()
        if workers.cycles_ended() >= ended_before + 2 and not _waiting(database):
            return
        time.sleep(0.1)
    raise AssertionError("the round did not settle:\n" + "\n".join(workers.texts()))


def _waiting(database: str) -> bool:
    store = open_store(database)
    try:
        return bool(store.outbox(states=("pending", "failed")))
    finally:
        store.close()


def _outbox(database: str) -> dict[str, str]:
    store = open_store(database)
    try:
        return {entry.key: entry.state for entry in store.outbox()}
    finally:
        store.close()


def _env(emulator: Emulator, database: str, config: Path) -> dict[str, str]:
    return worker_env(emulator.base_url, database, config, token=TOKEN, log_level="INFO")
