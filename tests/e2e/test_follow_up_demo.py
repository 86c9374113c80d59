"""End to end: the follow-up tickets of the demo world belong to the customer. One whole
cycle with the real client against the emulator (frozen at ``START``) creates them; they
carry the original's requester, organization and System, are in the ISPnext
group, keep the tags and the "#N" reference that tie them to the original, and
``zdsync tickets`` lists them with their Entity and System."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.store import open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from sync.cli.demo import DEMO_CONFIG, DEMO_SCENARIO
from sync.clock import FixedClock
from sync.cycle import run_cycle
from tests.e2e.conftest import START, demo_settings

ISPNEXT, SYSTEM, WORKER = 100, 360001, 1
#: Original -> (requester, organization, Entity, System as stored and as listed). The demo
#: world's tickets have no priority (tests/sync/test_push.py copies one).
ORIGINALS = {
    1011: (601, 401, "Gemeente Utrecht", "system_fiber", "Fiber"),
    1012: (602, 402, "Bakkerij De Hoek", "system_fiber", "Fiber"),
    1024: (603, 403, "Van Dijk Logistics", "system_mail", "Mail"),
}


@pytest.mark.slow  # a whole cycle over HTTP, then the CLI in a subprocess
def test_follow_up_tickets_are_the_customers(tmp_path: Path) -> None:
    database = tmp_path / "zdsync.db"
    scenario = Scenario.load(DEMO_SCENARIO)
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        settings = demo_settings(database, emu.base_url, scenario)
        clock = FixedClock(START)
        store = open_store(settings.database_url, clock=clock)
        client = ZendeskClient(settings.require_zendesk(), settings.sync)
        try:
            report = run_cycle(client, store, settings, clock)
            created = {
                e.ticket_id: e.created_ticket_id
                for e in store.outbox()
                if e.rule == "follow_up_ticket"
            }
        finally:
            client.close()
            store.close()
        assert report.push.follow_ups_created == len(ORIGINALS)
        assert set(created) == set(ORIGINALS)
        tickets = emu.world.tickets
        for original, new in created.items():
            assert new is not None
            requester, organization, _, system, _ = ORIGINALS[original]
            ticket = tickets[new]
            assert (ticket.requester_id, ticket.organization_id) == (requester, organization)
            assert ticket.submitter_id == WORKER  # created on the customer's behalf
            assert ticket.fields.get(SYSTEM) == system
            assert (ticket.priority, ticket.group_id) == (None, ISPNEXT)
            assert "zdsync_follow_up" in ticket.tags and f"#{original}" in ticket.subject
            notes = [
                event["body"]
                for audit in emu.world.audits(tickets[original])
                for event in audit.events
                if event.get("type") == "Comment" and event["author_id"] == WORKER
            ]
            customer = scenario_name(scenario, requester)
            assert any(f"#{new}" in note and customer in note for note in notes), notes

    listed = {row["id"]: row for row in tickets_listed(database)}
    for original, new in created.items():
        _, _, entity, _, label = ORIGINALS[original]
        assert new in listed, sorted(listed)
        assert (listed[new]["entity"], listed[new]["system"]) == (entity, label)


def tickets_listed(database: Path) -> list[dict[str, Any]]:
    """``zdsync tickets --json`` on ``database``, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    env["ZDSYNC_DATABASE_URL"] = f"sqlite:///{database}"
    command = [sys.executable, "-m", "sync", "-q", "--config", str(DEMO_CONFIG), "tickets"]
    done = subprocess.run(
        [*command, "--json", "--limit", "0"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)["tickets"]
    return rows


def scenario_name(scenario: Scenario, user_id: int) -> str:
    (name,) = [user.name for user in scenario.users if user.id == user_id]
    return name
