"""The push world (fixtures/scenarios/push.yaml) served by the emulator over real HTTP, and a
worker run against it in this process: the real ZendeskClient, a SQLite store in a
temporary directory, the push world's configuration and a clock frozen at ``START`` (the
emulator's frozen "now"), so two runs decide and write exactly the same things.

The client's retry waits (429 Retry-After, backoff) are recorded, not slept: the faults are
injected, so waiting for them would only make the tests slow.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator, FaultRule, RateLimits, Scenario
from sync.clock import FixedClock
from sync.config import Settings, load_settings
from sync.cycle import CycleReport, run_cycle
from sync.records import (
    AuditBatch,
    BulkResult,
    CreatedTicket,
    Directory,
    NewTicket,
    TicketChange,
    TicketRecord,
    UpdatedTicket,
)

ROOT = Path(__file__).resolve().parents[2]
PUSH_SCENARIO = ROOT / "fixtures" / "scenarios" / "push.yaml"
PUSH_CONFIG = ROOT / "fixtures" / "push" / "zdsync.yaml"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TOKEN = "push-token"


@functools.cache
def compared_worlds_start() -> datetime:
    """One instant for the live worlds whose end states a test compares (the worker runs
    on the host's clock there): the notes name the time of the update they answer, so two
    worlds frozen a minute apart would differ in their texts, not in what zdsync did. Set
    by the first world that asks, so it stays close to the workers' clock."""
    return datetime.now(UTC).replace(microsecond=0)


#: Decisions the push world gives at START (six blocks of ten; docs in the scenario).
DECISIONS = 60
FOLLOW_UPS = 12


def push_settings(base_url: str, database: Path, **sync: Any) -> Settings:
    env = {
        "ZENDESK_URL": base_url,
        "ZENDESK_EMAIL": "zdsync@ispnext.example",
        "ZENDESK_TOKEN": TOKEN,
        "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
    }
    settings = load_settings(env, config_path=PUSH_CONFIG)
    return dataclasses.replace(settings, sync=dataclasses.replace(settings.sync, **sync))


class RacingZendesk:
    """The real client, with agents who edit a ticket just before the worker's update of
    it (after the worker read it): Zendesk then refuses the safe update with a 409."""

    def __init__(self, client: ZendeskClient, emulator: Emulator) -> None:
        self.client = client
        self.emulator = emulator
        #: Ticket -> the agent's edit (``Emulator.act`` keywords), made once.
        self.races: dict[int, dict[str, Any]] = {}
        self.raced: list[int] = []

    def update_ticket(self, change: TicketChange, *, system_field_id: int | None) -> UpdatedTicket:
        edit = self.races.pop(change.ticket_id, None)
        if edit is not None:
            self.emulator.act(change.ticket_id, **edit)
            self.raced.append(change.ticket_id)
        return self.client.update_ticket(change, system_field_id=system_field_id)

    # The rest is the client's, unchanged.
    def show_ticket(self, ticket_id: int, *, system_field_id: int | None) -> TicketRecord:
        return self.client.show_ticket(ticket_id, system_field_id=system_field_id)

    def update_many(self, ids: Sequence[int], change: TicketChange) -> list[BulkResult]:
        return self.client.update_many(ids, change)

    def create_ticket(
        self, ticket: NewTicket, *, system_field_id: int | None = None
    ) -> CreatedTicket:
        return self.client.create_ticket(ticket, system_field_id=system_field_id)

    def whoami(self) -> Any:
        return self.client.whoami()

    def directory(self) -> Directory:
        return self.client.directory()

    def users(self, ids: Any) -> Any:
        return self.client.users(ids)

    def export_tickets(self, **kwargs: Any) -> Any:
        return self.client.export_tickets(**kwargs)

    def ticket_audits(self, ticket_id: int) -> AuditBatch:
        return self.client.ticket_audits(ticket_id)


@dataclass
class Run:
    emulator: Emulator
    zendesk: RacingZendesk
    store: SqlStore
    settings: Settings
    clock: FixedClock
    sleeps: list[float] = field(default_factory=list)
    cycles: list[CycleReport] = field(default_factory=list)

    def cycle(self) -> CycleReport:
        report = run_cycle(self.zendesk, self.store, self.settings, self.clock)
        self.cycles.append(report)
        return report

    def until_settled(self, most: int = 8) -> None:
        """Cycles until nothing is pending or retryable and nothing new was decided."""
        for _ in range(most):
            report = self.cycle()
            waiting = self.store.outbox(states=("pending", "failed"))
            if report.decide.new == 0 and not waiting:
                return
        raise AssertionError(f"not settled after {most} cycles: {self.states()}")

    def states(self) -> dict[str, str]:
        return {entry.key: entry.state for entry in self.store.outbox()}


@contextmanager
def push_run(
    tmp_path: Path, name: str, *, faults: Sequence[FaultRule] = (), **sync: Any
) -> Iterator[Run]:
    scenario = Scenario.load(PUSH_SCENARIO)
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        settings = push_settings(emu.base_url, tmp_path / f"{name}.db", **sync)
        clock = FixedClock(START)
        store = open_store(settings.database_url, clock=clock)
        sleeps: list[float] = []
        client = ZendeskClient(settings.require_zendesk(), settings.sync, sleep=sleeps.append)
        for rule in faults:
            emu.faults.add(rule)
        try:
            yield Run(emu, RacingZendesk(client, emu), store, settings, clock, sleeps)
        finally:
            client.close()
            store.close()


def worker_comments(snapshot: Mapping[str, Any], ticket_id: int) -> list[str]:
    return [
        c["body"] for c in snapshot["tickets"][str(ticket_id)]["comments"] if c["author_id"] == 1
    ]
