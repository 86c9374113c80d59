"""A small account on fakes for the push tests: Zendesk as ``FakeZendesk`` + ``FakeWriter``,
the mirror as ``FakeStore``, one ``FixedClock`` for both, and the real pull and decide.

Tickets get their history the way agents make it (``FakeWriter.edit``), so audits carry
the events the rules read; ``pull`` and ``decide`` then fill the outbox exactly as a cycle
would, and the tests push it and look at the state left behind.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from rules.config import RulesConfig
from sync.clock import FixedClock
from sync.config import GroupRef, Settings, SyncSettings
from sync.decide.step import DecideReport, decide
from sync.pull.step import PullReport, pull
from sync.push.outcomes import PushReport
from sync.push.step import push
from sync.records import (
    Directory,
    GroupRecord,
    MembershipRecord,
    OutboxEntry,
    TicketFieldRecord,
    UserRecord,
)
from tests.fakes.store import FakeStore
from tests.fakes.writer import FakeWriter
from tests.fakes.zendesk import FakeZendesk

#: Four hours before the push: histories are written from here on.
START = datetime(2025, 3, 3, 5, 0, tzinfo=UTC)
WORKER, INES, BRAM, ALICE, LEO = 1, 11, 12, 21, 22
ISPNEXT, ACME = 100, 201
TOTAL = 360002


def _user(user_id: int, name: str, role: str = "agent", role_type: int | None = 0) -> UserRecord:
    return UserRecord(user_id, name, f"{name.lower()}@example.test", role, role_type, True, False,
                      None, None, {"id": user_id})  # fmt: skip


DIRECTORY = Directory(
    users=(
        _user(WORKER, "zdsync", "admin", 4),
        _user(INES, "Ines"),
        _user(BRAM, "Bram"),
        _user(ALICE, "Alice"),
        _user(LEO, "Leo", role_type=1),
    ),
    groups=(GroupRecord(ISPNEXT, "ISPnext Support"), GroupRecord(ACME, "Acme Networks")),
    memberships=(
        MembershipRecord(1, WORKER, ISPNEXT),
        MembershipRecord(2, INES, ISPNEXT),
        MembershipRecord(3, BRAM, ISPNEXT),
        MembershipRecord(4, ALICE, ACME),
        MembershipRecord(5, LEO, ACME),
    ),
    ticket_fields=(TicketFieldRecord(TOTAL, "Total time spent (sec)", None, "integer", True, {}),),
)


def settings(rules: RulesConfig | None = None) -> Settings:
    return Settings(
        config_path=None,  # type: ignore[arg-type]
        database_url="sqlite://",
        log_level="INFO",
        ispnext_groups=(GroupRef(ISPNEXT, "ISPnext Support"),),
        partner_groups=(GroupRef(ACME, "Acme Networks"),),
        system_field=None,
        sync=SyncSettings(),
        zendesk=None,
        # The world's worker has been live all along: no go-live instant, every change
        # counts (tests/sync/test_go_live.py covers a first run).
        rules=dataclasses.replace(rules or RulesConfig(), go_live_at_first_pull=False),
    )


class World:
    def __init__(self, rules: RulesConfig | None = None) -> None:
        self.clock = FixedClock(START)
        self.zendesk = FakeZendesk(page_size=50, directory=DIRECTORY)
        self.writer = FakeWriter(self.zendesk, clock=self.clock, worker_id=WORKER)
        self.store = FakeStore(clock=self.clock)
        self.settings = settings(rules)

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    # -- histories ---------------------------------------------------------------------

    def handed(self, ticket_id: int, *, tags: tuple[str, ...] = (), by: int = INES) -> None:
        """Created by Ines in ISPnext's group, handed to Acme (Alice) a minute later."""
        self.writer.add_ticket(ticket_id, by=INES, group_id=ISPNEXT, tags=tags,
                               custom_fields=[{"id": TOTAL, "value": None}])  # fmt: skip
        self.later(minutes=1)
        self.writer.edit(ticket_id, by=by, group_id=ACME, assignee_id=ALICE, note="Please look.")

    def edit(self, ticket_id: int, *, by: int, **change: Any) -> None:
        self.writer.edit(ticket_id, by=by, **change)

    def time_entry(self, ticket_id: int, seconds: int, *, by: int = ALICE, **more: Any) -> None:
        """A partner's time entry: the Total grows by ``seconds``."""
        fields = {f["id"]: f["value"] for f in self.writer.ticket(ticket_id).raw["custom_fields"]}
        total = int(fields.get(TOTAL) or 0) + seconds
        self.writer.edit(ticket_id, by=by, custom_fields={TOTAL: total}, **more)

    # -- the cycle's steps ---------------------------------------------------------------

    def pull(self) -> PullReport:
        return pull(self.writer, self.store, self.settings, self.clock)

    def decide(self) -> DecideReport:
        return decide(self.store, self.settings, self.clock)

    def push(self, *, dry_run: bool = False) -> PushReport:
        return push(self.store, self.writer, self.settings, self.clock, dry_run=dry_run)

    def pull_and_decide(self) -> list[OutboxEntry]:
        assert self.pull().errors == []
        self.decide()
        return self.store.outbox(states=["pending"])

    # -- state ---------------------------------------------------------------------------

    def entries(self, ticket_id: int | None = None) -> dict[str, OutboxEntry]:
        return {e.rule: e for e in self.store.outbox(ticket_id=ticket_id)}

    def states(self) -> dict[str, str]:
        return {e.key: e.state for e in self.store.outbox()}
