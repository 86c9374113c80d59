"""Maintenance / Change Request needs a new ticket: once per ticket and kind."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules.actions import AddTags, CreateFollowUp
from rules.config import FollowUpConfig, FollowUpKind
from rules.engine import decide
from rules.follow_up import create_follow_up
from tests.rules.builders import ACME, ANNA, CONFIG, ISPNEXT, PIET, WORKER, Ticket, at, judge
from tests.rules.simulator import FIRST_NEW_TICKET, apply_actions

WORK_TYPE = 5004


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
        "[zdsync: follow-up] Marked as Change Request: ticket #9001 was created for ISPnext."
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
