"""kill -9 during a backfill, then a restart: the same database as an uninterrupted run,
with no duplicate and no missing rows. Real processes, real SIGKILL, both databases."""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from adapters.store import open_store
from sync.records import TicketQuery
from tests.store.crashing_writer import CURSOR, PAGE_SIZE

ROOT = Path(__file__).resolve().parents[2]
PAGES = 6


@dataclass(frozen=True)
class Mirror:
    """What a restart would see: the cursor, the rows and the audit flags."""

    cursor: str | None
    count: int
    rows: list[tuple[int, datetime, int | None, str | None]]
    flagged: list[int]


def write(url: str, kill_at: int | None = None) -> int:
    """Run the writer in its own process; its exit code (negative: killed by a signal)."""
    command = [sys.executable, "-m", "tests.store.crashing_writer", url, str(PAGES)]
    if kill_at is not None:
        command.append(str(kill_at))
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if done.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"writer failed ({done.returncode}):\n{done.stderr}")
    return done.returncode


def mirror(url: str) -> Mirror:
    store = open_store(url)
    try:
        return Mirror(
            cursor=store.read_state(CURSOR),
            count=store.counts()["tickets"],
            rows=[
                (t.id, t.updated_at, t.group_id, t.subject)
                for t in store.list_tickets(TicketQuery())
            ],
            flagged=store.tickets_needing_audits(),
        )
    finally:
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Two empty databases of one kind: one for the crashed run, one for the clean run."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crashed.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
    first: str = request.getfixturevalue("scratch_postgres")
    second: str = request.getfixturevalue("second_scratch_postgres")
    return first, second


@pytest.mark.slow
def test_a_killed_backfill_resumes_to_the_same_database(two_urls: tuple[str, str]) -> None:
    crashed, clean = two_urls
    assert write(crashed, kill_at=4) == -signal.SIGKILL

    after_kill = mirror(crashed)
    assert (after_kill.cursor, after_kill.count) == ("3", 3 * PAGE_SIZE)  # page 4: nothing
    assert len(after_kill.flagged) == 3 * PAGE_SIZE // 5

    assert write(crashed) == 0
    assert write(clean) == 0
    resumed, uninterrupted = mirror(crashed), mirror(clean)
    assert resumed == uninterrupted
    assert (uninterrupted.cursor, uninterrupted.count) == (str(PAGES), PAGES * PAGE_SIZE)
    assert len({row[0] for row in uninterrupted.rows}) == PAGES * PAGE_SIZE
