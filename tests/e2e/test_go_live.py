"""Going live on a world with history: the demo world pulled once (conftest), decided with
the default ``act_on_changes_since: first-run``. Every partner status change, time entry and
mark in it happened before that first pull, so the first run acts only on hand back, and
``decide --dry-run`` lists the rest as before go-live, each with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.cli.demo import DEMO_CONFIG
from tests.e2e.conftest import START
from tests.e2e.test_decide_demo import EXPECTED, run, zdsync

HAND_BACKS = {(ticket, rule) for ticket, rule in EXPECTED if rule == "hand_back"}


def first_run_config(tmp_path: Path) -> Path:
    """The demo configuration without its early go-live: the default, first-run."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if "act_on_changes_since" not in line]
    assert len(kept) < len(text.splitlines())  # the demo sets one: the default is tested here
    config = tmp_path / "first-run.yaml"
    config.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return config


@pytest.mark.slow  # five CLI runs in subprocesses
def test_the_first_run_acts_only_on_hand_back(database: Path, tmp_path: Path) -> None:
    config = first_run_config(tmp_path)
    dry = zdsync(database, "decide", "--dry-run", "--json", config=config)
    assert {(d["ticket_id"], d["rule"]) for d in dry["decisions"]} == HAND_BACKS
    history = {(d["ticket_id"], d["rule"]) for d in dry["before_go_live"]}
    assert history == EXPECTED - HAND_BACKS
    assert all("before go-live" in d["why"] for d in dry["before_go_live"])
    assert dry["go_live"]["instant"] == START.isoformat()
    assert dry["go_live"]["source"] == "first pull"

    text = run(database, "decide", "--dry-run", config=config)
    assert "Go-live: 2025-03-03 09:00:00 UTC (when the first pull began" in text
    assert f"Not acted on: {len(history)} decision(s) whose cause came before go-live" in text

    done = zdsync(database, "decide", "--json", config=config)
    assert {(d["ticket_id"], d["rule"]) for d in done["decisions"]} == HAND_BACKS
    assert done["before_go_live"] == []  # a real run does not spend time on what it leaves

    explained = run(database, "explain", "1005", config=config)
    assert "Go-live:  2025-03-03 09:00:00 UTC" in explained
    assert "submit_as_open     no" in explained and "came before go-live" in explained


def test_an_early_go_live_acts_on_everything(database: Path) -> None:
    dry = zdsync(database, "decide", "--dry-run", "--json")  # the demo configuration's
    assert {(d["ticket_id"], d["rule"]) for d in dry["decisions"]} == EXPECTED
    assert dry["before_go_live"] == []
    assert dry["go_live"]["source"] == "configured"
