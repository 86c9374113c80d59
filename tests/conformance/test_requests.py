"""Request conformance: every request our Zendesk adapter sends, in its real flows, checked
against the spec's parameters and request schemas (and its answers against the response
schemas, since they pass by anyway).

The recorder is a requests response hook on the client's ``ZendeskSession``, the one
session zenpy's calls, our raw export pages and the push step's writes all go through; no
zenpy internals are touched. The flows: a first pull of the demo world (directory,
backfill export, audits of every kept ticket), a second pull resuming from the stored
cursor after an agent's change, a whole cycle (pull, decide, push: the merged updates and
follow-up tickets the rules ask for), and the writer's other paths (a 409 refused safe
update, update_many with its job polling, an idempotent create replayed, show).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.store import open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator
from sync.cli.demo import DEMO_CONFIG
from sync.clock import FixedClock
from sync.config import Settings, load_settings
from sync.cycle import run_cycle
from sync.errors import TicketConflict
from sync.pull.step import pull
from sync.records import NewTicket, TicketChange
from tests.conformance.checker import Conformance, spec_path
from tests.conformance.conftest import START, WORKER
from tests.conformance.traffic import Exchange, TrafficRecorder

#: What a pull must have asked for (spec operations), whatever else it asks.
PULL_OPERATIONS = {
    "GET /api/v2/users/me",
    "GET /api/v2/users",
    "GET /api/v2/groups",
    "GET /api/v2/group_memberships",
    "GET /api/v2/organizations",
    "GET /api/v2/ticket_fields",
    "GET /api/v2/custom_statuses",
    "GET /api/v2/incremental/tickets/cursor",
    "GET /api/v2/tickets/{ticket_id}/audits",
}
PAGE_SIZE = 5


def settings_for(emulator: Emulator, database: Path) -> Settings:
    email, token = WORKER
    env = {
        "ZENDESK_URL": emulator.base_url,
        "ZENDESK_EMAIL": email,
        "ZENDESK_TOKEN": token,
        "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
    }
    settings = load_settings(env, config_path=DEMO_CONFIG)
    # Small pages, so the backfill pages through the export by cursor.
    return dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, page_size=PAGE_SIZE, max_attempts=2)
    )


@pytest.fixture
def client(demo: Emulator, tmp_path: Path) -> Iterator[tuple[ZendeskClient, TrafficRecorder]]:
    settings = settings_for(demo, tmp_path / "mirror.db")
    sleeps: list[float] = []
    client = ZendeskClient(settings.require_zendesk(), settings.sync, sleep=sleeps.append)
    recorder = TrafficRecorder()
    recorder.install(client.session)
    yield client, recorder
    client.close()


def problems_of(conformance: Conformance, exchanges: list[Exchange]) -> list[str]:
    found = []
    for exchange in exchanges:
        for problem in conformance.request_problems(exchange):
            found.append(f"request {exchange}: {problem}")
        for problem in conformance.response_problems(exchange):
            found.append(f"answer {exchange}: {problem}")
    return found


def operations_of(conformance: Conformance, exchanges: list[Exchange]) -> set[str]:
    names = set()
    for exchange in exchanges:
        found = conformance.match(exchange.method, exchange.url)
        names.add(f"{exchange.method} {found.template if found else spec_path(exchange.url)}")
    return names


def test_two_pulls_send_only_requests_the_spec_allows(
    demo: Emulator,
    client: tuple[ZendeskClient, TrafficRecorder],
    tmp_path: Path,
    conformance: Conformance,
) -> None:
    reader, recorder = client
    settings = settings_for(demo, tmp_path / "mirror.db")
    store = open_store(settings.database_url)
    try:
        first = pull(reader, store, settings, FixedClock(START), refresh_directory=True)
        demo.act(1002, by=31, note="Still looking into it.")
        demo.clock.advance(61)  # the export never returns the newest minute
        later = START + timedelta(seconds=61)
        second = pull(reader, store, settings, FixedClock(later))
    finally:
        store.close()
    assert (first.errors, second.errors) == ([], [])
    assert first.pages > 2 and second.audits_fetched >= 1

    exchanges = recorder.exchanges
    assert operations_of(conformance, exchanges) >= PULL_OPERATIONS
    export_queries = [e.url.partition("?")[2] for e in exchanges if "/incremental/" in e.url]
    assert any("start_time=" in q for q in export_queries)
    assert any("cursor=" in q and "start_time=" not in q for q in export_queries)
    assert problems_of(conformance, exchanges) == []


@pytest.mark.slow
def test_a_whole_cycle_sends_only_requests_the_spec_allows(
    demo: Emulator,
    client: tuple[ZendeskClient, TrafficRecorder],
    tmp_path: Path,
    conformance: Conformance,
) -> None:
    """Pull, decide and push as the worker does: the merged safe updates with their notes,
    assignments and status changes, and the follow-up tickets, as the product sends them."""
    zendesk, recorder = client
    settings = settings_for(demo, tmp_path / "cycle.db")
    store = open_store(settings.database_url)
    try:
        report = run_cycle(zendesk, store, settings, FixedClock(START))
    finally:
        store.close()
    assert not report.failed, report.summary()
    exchanges = recorder.exchanges
    writes = {name for name in operations_of(conformance, exchanges) if name[:3] in {"PUT", "POS"}}
    assert writes >= {"PUT /api/v2/tickets/{ticket_id}", "POST /api/v2/tickets"}
    assert problems_of(conformance, exchanges) == []


def test_the_push_steps_writes_send_only_requests_the_spec_allows(
    client: tuple[ZendeskClient, TrafficRecorder], conformance: Conformance
) -> None:
    writer, recorder = client
    shown = writer.show_ticket(1005, system_field_id=None)
    stamp = str(shown.raw["updated_at"])
    writer.update_ticket(
        TicketChange(1005, fields={"status": "open", "tags": ["zdsync"]}, updated_stamp=stamp,
                     note="Set back to Open (zdsync).", author_id=1),
        system_field_id=None,
    )  # fmt: skip
    with pytest.raises(TicketConflict):
        writer.update_ticket(
            TicketChange(1005, fields={"status": "open"}, updated_stamp=stamp), system_field_id=None
        )
    results = writer.update_many([1001, 1014], TicketChange(0, additional_tags=("zdsync_seen",)))
    assert [r.success for r in results] == [True, False]
    new = NewTicket(idempotency_key="conformance-create", subject="Change request for 1011",
                    body="Created by zdsync.", author_id=1, group_id=100,
                    tags=("zdsync_follow_up",), external_id="zdsync-1011")  # fmt: skip
    assert not writer.create_ticket(new).replayed
    assert writer.create_ticket(new).replayed

    exchanges = recorder.exchanges
    assert operations_of(conformance, exchanges) >= {
        "GET /api/v2/tickets/{ticket_id}",
        "PUT /api/v2/tickets/{ticket_id}",
        "PUT /api/v2/tickets/update_many",
        "GET /api/v2/job_statuses/show_many",
        "POST /api/v2/tickets",
    }
    assert [e.status for e in exchanges if e.method == "PUT" and "1005" in e.url] == [200, 409]
    assert problems_of(conformance, exchanges) == []
