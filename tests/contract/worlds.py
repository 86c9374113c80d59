"""The same small Zendesk world, built once as a FakeZendesk and once as an emulator scenario
read through the real ZendeskClient over HTTP, for the ZendeskReader contract suite."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from sync.config import Secret, SyncSettings, ZendeskSettings
from sync.ports import ZendeskReader
from sync.records import (
    Directory,
    EventRecord,
    GroupRecord,
    MembershipRecord,
    UserRecord,
)
from tests.fakes.zendesk import ME, FakeZendesk, make_audit, make_ticket

ISPNEXT, ACME, BILLING = 100, 201, 301
#: (ticket id, group) of the world, created in this order, one minute apart.
TICKETS = [(1, ACME), (2, BILLING), (3, ACME), (4, ACME), (5, BILLING), (6, ACME)]
PAGE_SIZE = 2
TOKEN = "contract-token"


class World(Protocol):
    @property
    def reader(self) -> ZendeskReader: ...

    def start_time(self) -> int: ...

    def touch(self, ticket_id: int) -> None:
        """An agent adds an internal note to the ticket, and the change is exportable."""
        ...


def scenario_mapping() -> dict[str, Any]:
    return {
        "name": "contract",
        "groups": [
            {"id": ISPNEXT, "name": "ISPnext Support"},
            {"id": ACME, "name": "Acme Networks"},
            {"id": BILLING, "name": "Billing"},
        ],
        "users": [
            {"id": 1, "name": "zdsync worker", "email": "zdsync@ispnext.example",
             "role": "admin", "groups": [ISPNEXT]},
            {"id": 11, "name": "Ines", "email": "ines@ispnext.example", "role": "agent",
             "groups": [ISPNEXT]},
            {"id": 21, "name": "Alice", "email": "alice@acme.example", "role": "agent",
             "groups": [ACME]},
            {"id": 22, "name": "Leo", "email": "leo@acme.example", "role": "agent",
             "light": True, "groups": [ACME]},
            {"id": 601, "name": "Carla", "email": "carla@customer.example"},
        ],
        "credentials": [{"user": 1, "token": TOKEN}],
        "tickets": [
            {"id": ticket_id, "created": f"-{120 - minute}m", "requester": 601,
             "subject": f"ticket {ticket_id}", "description": "help", "group": group}
            for minute, (ticket_id, group) in enumerate(TICKETS)
        ],
    }  # fmt: skip


class EmulatorWorld:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        #: What the client's retries and pacer slept: recorded, never slept.
        self.sleeps: list[float] = []
        zendesk = ZendeskSettings(
            url=emulator.base_url, email="zdsync@ispnext.example", token=Secret(TOKEN),
            oauth_token=None,
        )  # fmt: skip
        self.reader = ZendeskClient(
            zendesk, SyncSettings(page_size=PAGE_SIZE, max_attempts=4), sleep=self.sleeps.append
        )

    def start_time(self) -> int:
        return int((self.emulator.clock.now() - timedelta(days=1)).timestamp())

    def touch(self, ticket_id: int) -> None:
        self.emulator.act(ticket_id, by=11, note="Looked at it.")
        # The export never returns the newest minute (zendesk-api.md section 1).
        self.emulator.clock.advance(61)


@contextmanager
def emulator_world(rate_limits: RateLimits | None = None) -> Iterator[EmulatorWorld]:
    scenario = Scenario.from_mapping(scenario_mapping(), source="contract")
    limits = rate_limits if rate_limits is not None else RateLimits.disabled()
    with Emulator(scenario, rate_limits=limits) as emulator:
        world = EmulatorWorld(emulator)
        try:
            yield world
        finally:
            world.reader.close()


class FakeWorld:
    NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __init__(self) -> None:
        users = (
            ME,
            _agent(11, "Ines", 0),
            _agent(21, "Alice", 0),
            _agent(22, "Leo", 1),
        )
        memberships = (
            MembershipRecord(1, 1, ISPNEXT), MembershipRecord(2, 11, ISPNEXT),
            MembershipRecord(3, 21, ACME), MembershipRecord(4, 22, ACME),
        )  # fmt: skip
        groups = (
            GroupRecord(ISPNEXT, "ISPnext Support"),
            GroupRecord(ACME, "Acme Networks"),
            GroupRecord(BILLING, "Billing"),
        )
        self.reader = self.fake = FakeZendesk(
            page_size=PAGE_SIZE,
            directory=Directory(users=users, groups=groups, memberships=memberships),
        )
        self.fake.people.append(
            dataclasses.replace(_agent(601, "Carla", 0), role="end-user", role_type=None)
        )
        for minute, (ticket_id, group) in enumerate(TICKETS):
            self.fake.put(
                make_ticket(ticket_id, group_id=group, minute=minute),
                make_audit(ticket_id, ticket_id * 100, minute=minute),
            )
        self.minute = 100

    def start_time(self) -> int:
        return int((self.NOW - timedelta(days=3)).timestamp())

    def touch(self, ticket_id: int) -> None:
        self.minute += 1
        self.fake.touch(ticket_id, minute=self.minute)
        audit = make_audit(ticket_id, ticket_id * 100 + self.minute, minute=self.minute)
        note = EventRecord(id=audit.id * 10 + 1, audit_id=audit.id, ticket_id=ticket_id,
                           position=1, type="Comment", public=False, author_id=11,
                           body="Looked at it.")  # fmt: skip
        self.fake.audits[ticket_id].append(dataclasses.replace(audit, events=(note,)))


def _agent(user_id: int, name: str, role_type: int) -> UserRecord:
    return UserRecord(
        id=user_id, name=name, email=f"{name.lower()}@example.test", role="agent",
        role_type=role_type, active=True, suspended=False, organization_id=None,
        default_group_id=None, raw={},
    )  # fmt: skip
