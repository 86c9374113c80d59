"""The ZendeskWriter contract: one suite over FakeWriter and the real ZendeskClient against
the emulator over HTTP, so the fake the push unit tests use cannot drift from Zendesk.

The same small world in both: ticket 1 open in a partner group, ticket 2 closed, no
ticket 3; the worker is user 1, an agent of the partner is user 21.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from sync.clock import FixedClock
from sync.config import Secret, SyncSettings, ZendeskSettings
from sync.errors import TicketConflict, TicketNotFound, ZendeskRejected
from sync.ports import ZendeskReader, ZendeskWriter
from sync.records import NewTicket, TicketChange
from tests.fakes.writer import FakeWriter
from tests.fakes.zendesk import FakeZendesk

OPEN, CLOSED, MISSING = 1, 2, 3
SYSTEM = 360001
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Writer(ZendeskReader, ZendeskWriter, Protocol):
    """Both sides, as the real client and the fake offer them."""


@dataclass
class World:
    zendesk: Writer
    #: An agent adds a note to a ticket (a change the worker has not seen).
    agent_note: Callable[[int], object]


SCENARIO: dict[str, Any] = {
    "name": "writer-contract",
    "groups": [{"id": 100, "name": "ISPnext Support"}, {"id": 201, "name": "Acme"}],
    "users": [
        {"id": 1, "name": "zdsync", "email": "zdsync@ispnext.example", "role": "admin",
         "groups": [100]},
        {"id": 11, "name": "Ines", "email": "ines@ispnext.example", "role": "agent",
         "groups": [100]},
        {"id": 21, "name": "Alice", "email": "alice@acme.example", "role": "agent",
         "groups": [201]},
        {"id": 601, "name": "Carla", "email": "carla@customer.example", "organization": 401},
    ],
    "organizations": [{"id": 401, "name": "Customer BV"}],
    "ticket_fields": [{"id": SYSTEM, "title": "System", "type": "tagger",
                       "options": {"Mail": "system_mail", "DNS": "system_dns"}}],
    "credentials": [{"user": 1, "token": "contract-token"}],
    "tickets": [
        {"id": OPEN, "created": "-2h", "requester": 601, "subject": "Open", "description": "d",
         "group": 201, "assignee": 21, "status": "open", "tags": ["a"]},
        {"id": CLOSED, "created": "-2d", "requester": 601, "subject": "Closed",
         "description": "d", "group": 201, "history": [
             {"at": "-1d", "by": 11, "status": "solved"},
             {"at": "-2h", "by": 11, "status": "closed"}]},
    ],
}  # fmt: skip


@pytest.fixture(params=["fake", "emulator"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fake":
        clock = FixedClock(START)
        fake = FakeWriter(FakeZendesk(), clock=clock, worker_id=1)
        fake.add_ticket(OPEN, by=11, group_id=201, tags=("a",), assignee_id=21)
        fake.add_ticket(CLOSED, by=11, group_id=201)
        fake.edit(CLOSED, by=11, status="closed")
        yield World(fake, lambda t: fake.edit(t, by=21, note="Agent's note."))
        return
    scenario = Scenario.from_mapping(SCENARIO, source="contract")
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        settings = ZendeskSettings(emu.base_url, "zdsync@ispnext.example",
                                   Secret("contract-token"), None)  # fmt: skip
        client = ZendeskClient(settings, SyncSettings(max_attempts=2), sleep=lambda _: None)
        try:
            yield World(client, lambda t: emu.act(t, by=21, note="Agent's note."))
        finally:
            client.close()


def test_a_safe_update_with_the_current_stamp_applies_and_answers_with_its_audit(
    world: World,
) -> None:
    zendesk = world.zendesk
    before = zendesk.show_ticket(OPEN, system_field_id=None)
    change = TicketChange(OPEN, {"group_id": 100, "assignee_id": None, "tags": ["a", "b"]},
                          note="Back to ISPnext.", author_id=1,
                          updated_stamp=before.raw["updated_at"])  # fmt: skip

    answer = zendesk.update_ticket(change, system_field_id=None)

    after = zendesk.show_ticket(OPEN, system_field_id=None)
    assert answer.ticket == after
    assert (after.group_id, after.assignee_id, after.tags) == (100, None, ("a", "b"))
    assert after.updated_at > before.updated_at
    assert isinstance(after.raw["updated_at"], str)
    assert answer.audit is not None and answer.audit.author_id == 1
    (comment,) = [e for e in answer.audit.events if e.type == "Comment"]
    assert (comment.body, comment.public, comment.author_id) == ("Back to ISPnext.", False, 1)
    changed = {e.field_name for e in answer.audit.events if e.type == "Change"}
    assert {"group_id", "assignee_id", "tags"} <= changed
    assert zendesk.ticket_audits(OPEN).audits[-1].id == answer.audit.id


def test_a_stale_stamp_is_refused_and_changes_nothing(world: World) -> None:
    zendesk = world.zendesk
    stale = zendesk.show_ticket(OPEN, system_field_id=None).raw["updated_at"]
    world.agent_note(OPEN)
    current = zendesk.show_ticket(OPEN, system_field_id=None)

    with pytest.raises(TicketConflict):
        zendesk.update_ticket(TicketChange(OPEN, {"status": "pending"}, note="x", author_id=1,
                                           updated_stamp=stale), system_field_id=None)  # fmt: skip

    assert zendesk.show_ticket(OPEN, system_field_id=None) == current


def test_closed_and_missing_tickets_are_refused(world: World) -> None:
    zendesk = world.zendesk
    change = TicketChange(CLOSED, note="x", author_id=1)
    with pytest.raises(ZendeskRejected) as refused:
        zendesk.update_ticket(change, system_field_id=None)
    assert refused.value.status == 422 and "closed" in refused.value.body
    with pytest.raises(TicketNotFound):
        zendesk.update_ticket(TicketChange(MISSING, note="x", author_id=1), system_field_id=None)
    with pytest.raises(TicketNotFound):
        zendesk.show_ticket(MISSING, system_field_id=None)


def test_update_many_reports_each_tickets_outcome(world: World) -> None:
    zendesk = world.zendesk
    results = zendesk.update_many([OPEN, MISSING], TicketChange(0, additional_tags=("z",)))
    assert [(r.ticket_id, r.success) for r in results] == [(OPEN, True), (MISSING, False)]
    assert "z" in zendesk.show_ticket(OPEN, system_field_id=None).tags


def test_creating_with_the_same_key_twice_gives_the_same_ticket(world: World) -> None:
    zendesk = world.zendesk
    request = NewTicket("zdsync-key-1", "Follow-up", "Body.", 1, 100, ("zdsync_follow_up",))
    first, again = zendesk.create_ticket(request), zendesk.create_ticket(request)
    other = zendesk.create_ticket(NewTicket("zdsync-key-2", "Other", "Body.", 1, 100))
    assert (first.replayed, again.replayed, other.replayed) == (False, True, False)
    assert again.ticket_id == first.ticket_id != other.ticket_id


def test_a_ticket_created_for_a_customer_answers_with_it_and_its_audit(world: World) -> None:
    request = NewTicket(
        "zdsync-key-3", "Change Request for #1", "Body.", 1, 100, ("zdsync_follow_up",),
        requester_id=601, organization_id=401, priority="high",
        custom_fields=((SYSTEM, "system_mail"),),
    )  # fmt: skip
    created = world.zendesk.create_ticket(request, system_field_id=SYSTEM)
    ticket = created.ticket
    assert ticket is not None and ticket.id == created.ticket_id
    assert (ticket.requester_id, ticket.organization_id, ticket.group_id) == (601, 401, 100)
    assert ticket.raw["priority"] == "high" and "zdsync_follow_up" in ticket.tags
    values = {item["id"]: item["value"] for item in ticket.raw["custom_fields"]}
    assert values[SYSTEM] == "system_mail"
    assert created.audit is not None and created.audit.ticket_id == ticket.id
    (comment,) = [e for e in created.audit.events if e.type == "Comment"]
    assert (comment.body, comment.public, comment.author_id) == ("Body.", False, 1)
