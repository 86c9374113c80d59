"""The push step against the emulator (its own process), with the real client and SQLite.

Figures:
- merged push: the push world (fixtures/scenarios/push.yaml) repeated to ``blocks`` blocks
  of ten tickets, pulled and decided, then pushed: update requests per changed ticket (the
  target is 1.0: every pending entry of a ticket merged into one safe update), all requests
  per changed ticket (follow-up creations included: one ticket in five gets one), and
  decisions pushed per second;
- uniform change: one note-less additive change (a tag) on many tickets through
  update_many, jobs of 100 polled together: requests per changed ticket (target <= 0.02).
  The four rules always attach a note (its reference is how a lost answer is recognised),
  so push sends their changes one ticket at a time; update_many serves changes without a
  note, and is measured here through the writer the push uses for them.

The worker's clock is frozen at the emulator's start, so the world decides the same every
run. Run alone with ``python -m bench.push [--quick]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "fixtures" / "scenarios" / "push.yaml"
CONFIG = ROOT / "fixtures" / "push" / "zdsync.yaml"
START = "2025-03-03T09:00:00Z"
BLOCK_TICKETS = 10
#: Blocks in the push world's file (ids 2000-2059).
FILE_BLOCKS = 6


def run(quick: bool) -> dict[str, object]:
    blocks = 50 if quick else 200
    uniform = blocks * BLOCK_TICKETS
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "push.yaml"
        scenario.write_text(yaml.safe_dump(scaled_world(blocks), sort_keys=False))
        with emulator(scenario) as url:
            figures.update(measure_merged_push(url, Path(tmp) / "merged.db"))
            figures.update(measure_uniform_change(url, Path(tmp) / "uniform.db", uniform))
    return figures


def scaled_world(blocks: int) -> dict[str, Any]:
    """The push world with ``blocks`` blocks: the file's six, then copies of its first two
    (an Acme block, a Fibernet block) in turn, ids ``2000 + 10 * block + slot``."""
    world: dict[str, Any] = yaml.safe_load(SCENARIO.read_text())
    tickets = list(world["tickets"])
    for block in range(FILE_BLOCKS, blocks):
        model = tickets[BLOCK_TICKETS * (block % 2) : BLOCK_TICKETS * (block % 2 + 1)]
        for slot, ticket in enumerate(model):
            tickets.append({**ticket, "id": 2000 + BLOCK_TICKETS * block + slot})
    world["tickets"] = tickets
    return world


@contextmanager
def emulator(scenario: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--scenario", str(scenario),
         "--no-rate-limits", "--frozen-clock", "--start", START, "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        url = ""
        for line in process.stdout or ():
            if line.strip().startswith("ZENDESK_URL="):
                url = line.strip().split("=", 1)[1]
                break
        if not url:
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _worker(url: str, database: Path) -> tuple[Any, Any, Any, Any]:
    from datetime import datetime

    from adapters.store import open_store
    from adapters.zendesk import ZendeskClient
    from sync.clock import FixedClock
    from sync.config import load_settings

    env = {
        "ZENDESK_URL": url,
        "ZENDESK_EMAIL": "zdsync@ispnext.example",
        "ZENDESK_TOKEN": "push-token",
        "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
    }
    settings = load_settings(env, config_path=CONFIG)
    clock = FixedClock(datetime.fromisoformat(START))
    return (
        settings,
        open_store(settings.database_url, clock=clock),
        ZendeskClient(settings.require_zendesk(), settings.sync),
        clock,
    )


def measure_merged_push(url: str, database: Path) -> dict[str, object]:
    from sync.decide.step import decide
    from sync.pull.step import pull
    from sync.push.step import push

    settings, store, client, clock = _worker(url, database)
    try:
        pull(client, store, settings, clock)
        decide(store, settings, clock)
        entries = store.outbox(states=("pending",))
        sent = client.session.requests_sent
        began = time.perf_counter()
        report = push(store, client, settings, clock)
        seconds = time.perf_counter() - began
        requests = client.session.requests_sent - sent
    finally:
        client.close()
        store.close()
    changed = len({e.ticket_id for e in entries})
    updates = sum(1 for p in report.planned if p.via == "update")
    return {
        "merged.decisions": len(entries),
        "merged.changed_tickets": changed,
        "merged.applied": report.outcomes["applied"],
        "merged.update_requests_per_changed_ticket": round(updates / changed, 3),
        "merged.all_requests_per_changed_ticket": round(requests / changed, 3),
        "merged.follow_up_tickets_created": report.follow_ups_created,
        "merged.decisions_pushed_per_s": round(report.outcomes["applied"] / seconds, 1),
        "merged.push_seconds": round(seconds, 2),
    }


def measure_uniform_change(url: str, database: Path, tickets: int) -> dict[str, object]:
    from sync.records import TicketChange

    _, store, client, _ = _worker(url, database)
    try:
        ids = list(range(2000, 2000 + tickets))
        sent = client.session.requests_sent
        began = time.perf_counter()
        results = client.update_many(ids, TicketChange(0, additional_tags=("bench_uniform",)))
        seconds = time.perf_counter() - began
        requests = client.session.requests_sent - sent
    finally:
        client.close()
        store.close()
    changed = sum(1 for r in results if r.success)
    return {
        "uniform.tickets": len(ids),
        "uniform.changed_tickets": changed,
        "uniform.requests": requests,
        "uniform.requests_per_changed_ticket": round(requests / max(changed, 1), 4),
        "uniform.tickets_per_s": round(changed / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.push", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller world")
    args = parser.parse_args(argv)
    for key, value in run(args.quick).items():
        print(f"   {key:<44} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
