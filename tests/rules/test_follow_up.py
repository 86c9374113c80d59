"""Maintenance / Change Request needs a new ticket: once per ticket and kind."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules.actions import AddTags, CreateFollowUp, action_from_dict
from rules.config import FollowUpConfig, FollowUpKind
from rules.engine import decide
from rules.follow_up import create_follow_up
from rules.model import Directory
from tests.rules.builders import (
    ACCOUNT,
    ACME,
    ANNA,
    CONFIG,
    CUSTOM_STATUSES,
    ISPNEXT,
    PIET,
    REQUESTER,
    STRANGER,
    SYSTEM_FIELD,
    USERS,
    WORKER,
    Ticket,
    at,
    judge,
)
from tests.rules.simulator import FIRST_NEW_TICKET, apply_actions

WORK_TYPE = 5004
SYSTEM_ACCOUNT = replace(ACCOUNT, system_field_id=SYSTEM_FIELD)


def partner_ticket() -> Ticket:
    return Ticket(by=ANNA, group=ACME, assignee=PIET, status="open", subject="VPN drops")


MARKS = [
    # (case, tags added, kinds that get a new ticket)
    ("change request tag", ("change_request",), ["change_request"]),
    ("maintenance tag", ("maintenance",), ["maintenance"]),
    ("both", ("maintenance", "change_request"), ["maintenance", "change_request"]),
    ("an unrelated tag", ("vip",), []),
]


@pytest.mark.parametrize(
    ("tags", "kinds"), [row[1:] for row in MARKS], ids=[row[0] for row in MARKS]
)
def test_marks(tags: tuple[str, ...], kinds: list[str]) -> None:
    view = partner_ticket().tag(*tags, by=PIET, when=at(10)).view()
    decisions = decide([view], CONFIG, at(11))
    assert [d.facts["kind"] for d in decisions] == kinds
    assert [d.key for d in decisions] == [f"follow_up_ticket:4001:kind-{k}" for k in kinds]


def test_the_new_ticket() -> None:
    view = partner_ticket().tag("change_request", by=PIET, when=at(10)).view()
    (decision,) = decide([view], CONFIG, at(11))
    create, tag = decision.actions
    assert isinstance(create, CreateFollowUp)
    assert tag == AddTags(("zdsync_change_request_ticket",))
    assert create.source_ticket_id == 4001 and create.group_id == ISPNEXT
    assert create.subject == "Change Request for #4001: VPN drops"
    assert "#4001" in create.body and "by Piet Acme" in create.body
    assert create.note_for(9001) == (
        "[zdsync: follow-up] Marked as Change Request: ticket #9001 was created in ISPnext "
        "Support for an unknown requester."
    )
    assert create.tags == ("zdsync_change_request_of_4001", "zdsync_follow_up")
    assert decision.facts["marked_by"] == PIET


def test_added_removed_and_added_again_gives_one_new_ticket() -> None:
    ticket = partner_ticket().tag("change_request", by=PIET, when=at(10))
    (first,) = decide([ticket.view()], CONFIG, at(11))
    ticket.set(**_fields(apply_actions(ticket.view(), first.actions, WORKER, at(12))))
    ticket.tag(by=ANNA, when=at(20), remove=("change_request",))
    assert decide([ticket.view()], CONFIG, at(21)) == []
    ticket.tag("change_request", by=PIET, when=at(30))
    assert decide([ticket.view()], CONFIG, at(31)) == []
    note = ticket.view().audits[2].events[-1]
    assert f"#{FIRST_NEW_TICKET + 4001}" in note.body  # type: ignore[union-attr]


def test_created_tag_removed_by_someone_still_counts_as_done() -> None:
    ticket = partner_ticket().tag("maintenance", by=PIET, when=at(10))
    ticket.update(WORKER, at(11), tags=("maintenance", "zdsync_maintenance_ticket"))
    ticket.tag(by=ANNA, when=at(20), remove=("zdsync_maintenance_ticket",))
    verdict = judge(create_follow_up, ticket.view(), CONFIG, at(21))
    assert not verdict.fired
    assert verdict.facts["maintenance"] == "marked (maintenance); new ticket already created"


def _field_config(value: str = "change_request") -> FollowUpConfig:
    kind = FollowUpKind("change_request", "Change Request", (), WORK_TYPE, value)
    return FollowUpConfig(kinds=(kind,))


FIELD = [
    ("the configured value", "change_request", True),
    ("a multi-select holding it", ("maintenance", "change_request"), True),
    ("another value", "incident", False),
]


@pytest.mark.parametrize(
    ("value", "fires"), [row[1:] for row in FIELD], ids=[row[0] for row in FIELD]
)
def test_marked_by_a_field_value(value: str | tuple[str, ...], fires: bool) -> None:
    config = replace(CONFIG, follow_up=_field_config())
    view = partner_ticket().change(PIET, at(10), {str(WORK_TYPE): value}).view()
    verdict = judge(create_follow_up, view, config, at(11))
    assert verdict.fired is fires
    if fires:
        assert verdict.decisions[0].facts["marks"] == [f"field {WORK_TYPE}"]
        assert verdict.decisions[0].facts["marked_by"] == PIET


STATUSES = [("solved", True), ("closed", False), ("deleted", False)]


@pytest.mark.parametrize(("status", "fires"), STATUSES)
def test_solved_closed_and_deleted(status: str, fires: bool) -> None:
    ticket = partner_ticket().tag("change_request", by=PIET, when=at(10)).set(status=status)
    assert judge(create_follow_up, ticket.view(), CONFIG, at(11)).fired is fires


def test_group_of_the_new_ticket_from_config() -> None:
    config = replace(CONFIG, follow_up=FollowUpConfig(group_id=77))
    view = partner_ticket().tag("maintenance", by=PIET, when=at(10)).view()
    (decision,) = decide([view], config, at(11))
    assert decision.actions[0].group_id == 77  # type: ignore[union-attr]


def _fields(view: object) -> dict[str, object]:
    """A view's fields, to put the simulator's result back into a builder."""
    return {name: getattr(view, name) for name in ("audits", "tags", "updated_at")}


ORG = 401
CUSTOMER_DIRECTORY = Directory.build(
    SYSTEM_ACCOUNT, USERS, CUSTOM_STATUSES, organizations={ORG: "Gemeente Utrecht"}
)
WITH_SYSTEM = CONFIG.with_account(SYSTEM_ACCOUNT)


def customer_ticket(**known: object) -> Ticket:
    """A partner ticket of Carla Customer (Gemeente Utrecht), marked as a change request."""
    ticket = Ticket(by=ANNA, group=ACME, assignee=PIET, status="open", directory=CUSTOMER_DIRECTORY)
    ticket.set(**known)
    return ticket.tag("change_request", by=PIET, when=at(10))


CUSTOMERS = [
    # (case, the original's fields, requester, organization, priority, System, "for" whom)
    (
        "everything known",
        {
            "requester_id": REQUESTER,
            "organization_id": ORG,
            "priority": "high",
            "custom_fields": {SYSTEM_FIELD: "system_fiber"},
        },
        (REQUESTER, ORG, "high", "system_fiber"),
        "for Carla Customer (Gemeente Utrecht)",
    ),
    (
        "no organization, no priority, no System value",
        {"requester_id": REQUESTER},
        (REQUESTER, None, None, None),
        "for Carla Customer.",
    ),
    (
        "a requester the directory does not know",
        {"requester_id": STRANGER, "organization_id": ORG},
        (STRANGER, ORG, None, None),
        f"for user #{STRANGER} (Gemeente Utrecht)",
    ),
]


@pytest.mark.parametrize(
    ("known", "expected", "whom"),
    [row[1:] for row in CUSTOMERS],
    ids=[row[0] for row in CUSTOMERS],
)
def test_the_new_ticket_is_the_customers(
    known: dict[str, object], expected: tuple[object, ...], whom: str
) -> None:
    view = customer_ticket(**known).view()
    (decision,) = decide([view], WITH_SYSTEM, at(11))
    create = decision.actions[0]
    assert isinstance(create, CreateFollowUp)
    found = (create.requester_id, create.organization_id, create.priority, create.system_value)
    assert found == expected
    # The field goes with its value: nothing to set on the new ticket without one.
    assert create.system_field_id == (SYSTEM_FIELD if expected[3] else None)
    assert create.group_id == ISPNEXT
    note = create.note_for(9001)
    assert note.startswith(
        "[zdsync: follow-up] Marked as Change Request: ticket #9001 was created in ISPnext Support "
    )
    assert whom in note
    # Kept: the tags and the "#N" reference that tie the two tickets together.
    assert create.tags == ("zdsync_change_request_of_4001", "zdsync_follow_up")
    assert "#4001" in create.subject and "#4001" in create.body


def test_without_a_system_field_no_value_is_copied() -> None:
    # fields.system not configured: the account has no System field id.
    directory = Directory.build(ACCOUNT, USERS, CUSTOM_STATUSES)
    ticket = Ticket(by=ANNA, group=ACME, assignee=PIET, status="open", directory=directory)
    ticket.set(custom_fields={SYSTEM_FIELD: "system_fiber"})
    view = ticket.tag("change_request", by=PIET, when=at(10)).view()
    (decision,) = decide([view], CONFIG, at(11))
    create = decision.actions[0]
    assert isinstance(create, CreateFollowUp)
    assert (create.system_field_id, create.system_value) == (None, None)


def test_a_follow_up_ticket_is_never_followed_up() -> None:
    # ISPnext tags the worker's own follow-up ticket: it is the new ticket, not a support one.
    ticket = Ticket(by=WORKER, group=ISPNEXT, tags=("zdsync_follow_up",), status="open")
    view = ticket.tag("change_request", by=ANNA, when=at(10)).view()
    verdict = judge(create_follow_up, view, CONFIG, at(11))
    assert not verdict.fired
    assert verdict.reason == "the ticket is a follow-up zdsync created (tag zdsync_follow_up)"


def test_a_follow_up_round_trips_through_the_outbox() -> None:
    view = customer_ticket(
        requester_id=REQUESTER, organization_id=ORG, custom_fields={SYSTEM_FIELD: ("a", "b")}
    ).view()
    (decision,) = decide([view], WITH_SYSTEM, at(11))
    create = decision.actions[0]
    assert action_from_dict(create.to_dict()) == create
