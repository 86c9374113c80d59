"""The whole cycle against the shapes real Zendesk sends (issue 9, item 1): only the
incremental export carries ``generated_timestamp``; the answers of show, show_many, update
and create have none (reference notes, section 1). ``zdsync`` runs as users run it, in
subprocesses against the demo world, and every decision must be applied without a failure,
without a decision left pending and without a "maybe applied" re-pull; when an agent edits a
ticket between the worker's read and its write, the 409 re-pull must work too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import Emulator, RateLimits, Scenario
from sync.cli.demo import DEMO_CONFIG, DEMO_SCENARIO, ROOT
from tests.worker_env import worker_env

#: Handed to a partner three hours ago by ISPnext staff: the demo's hand back.
HANDED_BACK = 1001
INES = 11  # ISPnext staff: her edit changes the ticket without mooting the hand back
WORKER = 1


@pytest.fixture
def demo() -> Iterator[Emulator]:
    # Started now and running: the CLI's clock is the system's.
    with Emulator(Scenario.load(DEMO_SCENARIO), rate_limits=RateLimits.disabled()) as emu:
        yield emu


def env_for(emulator: Emulator, database: Path) -> dict[str, str]:
    return worker_env(
        emulator.base_url, f"sqlite:///{database}", DEMO_CONFIG, token="demo-token",
        log_level="WARNING",
    )  # fmt: skip


def zdsync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180, check=False)  # fmt: skip


def outbox(env: dict[str, str]) -> dict[str, int]:
    shown = zdsync(env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    counts: dict[str, int] = json.loads(shown.stdout)["outbox"]
    return counts


def get(emulator: Emulator, path: str) -> Any:
    answer = requests.get(
        emulator.base_url + path, auth=("zdsync@ispnext.example/token", "demo-token"), timeout=10
    )
    answer.raise_for_status()
    return answer.json()


def worker_notes(emulator: Emulator, ticket_id: int) -> list[str]:
    comments = get(emulator, f"/api/v2/tickets/{ticket_id}/comments.json")["comments"]
    return [c["body"] for c in comments if c["author_id"] == WORKER]


def test_single_ticket_answers_carry_no_generated_timestamp(demo: Emulator) -> None:
    """The premise of this module, checked on the emulator the cycle runs against."""
    assert "generated_timestamp" not in get(demo, f"/api/v2/tickets/{HANDED_BACK}.json")["ticket"]
    listed = get(demo, f"/api/v2/tickets/show_many.json?ids={HANDED_BACK}")["tickets"]
    assert listed and all("generated_timestamp" not in t for t in listed)


@pytest.mark.slow
def test_the_demo_cycle_applies_every_decision(demo: Emulator, tmp_path: Path) -> None:
    env = env_for(demo, tmp_path / "z.db")

    once = zdsync(env, "once", "--json")

    assert once.returncode == 0, once.stdout + once.stderr
    counts = outbox(env)
    assert counts["applied"] > 0
    assert {state: n for state, n in counts.items() if n and state != "applied"} == {}
    assert json.loads(once.stdout)["push"]["repulled"] == 0, once.stdout
    assert "maybe" not in once.stderr and "unreadable" not in once.stderr, once.stderr
    shows = [r for r in demo.request_log if r.method == "GET" and r.path.endswith(
        f"/tickets/{HANDED_BACK}.json")]  # fmt: skip
    assert shows == []  # no re-pull of any kind
    (note,) = worker_notes(demo, HANDED_BACK)
    assert "[zdsync: hand back]" in note


@pytest.mark.slow
def test_an_agents_edit_between_read_and_write_is_a_409_then_applied(
    demo: Emulator, tmp_path: Path
) -> None:
    env = env_for(demo, tmp_path / "z.db")
    assert zdsync(env, "sync").returncode == 0
    assert zdsync(env, "decide").returncode == 0
    queued = outbox(env)["pending"]
    answer = requests.post(
        f"{demo.base_url}/_emulator/act",
        json={"ticket": HANDED_BACK, "by": INES, "note": "Customer called again."},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text

    pushed = zdsync(env, "push", "--json")

    assert pushed.returncode == 0, pushed.stderr
    report = json.loads(pushed.stdout)
    assert report["repulled"] == 1  # the 409, and nothing else
    assert report["errors"] == []
    conflicts = [r for r in demo.request_log if r.method == "PUT" and r.status == 409]
    assert [r.path for r in conflicts] == [f"/api/v2/tickets/{HANDED_BACK}.json"]
    counts = outbox(env)
    assert counts["applied"] == queued
    assert {state: n for state, n in counts.items() if n and state != "applied"} == {}
    (note,) = worker_notes(demo, HANDED_BACK)  # sent once, after the re-pull
    assert "[zdsync: hand back]" in note
    handed = get(demo, f"/api/v2/tickets/{HANDED_BACK}.json")["ticket"]
    assert (handed["group_id"], handed["assignee_id"]) == (100, INES)
