"""The engine: deterministic keys, explain, next_due, and the guards on its inputs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from rules.config import Account, HandBackConfig, RulesConfig
from rules.engine import RULES, decide, explain, next_due
from rules.model import Directory
from tests.rules.builders import (
    ACCOUNT,
    ACME,
    ANNA,
    CONFIG,
    PIET,
    T0,
    USERS,
    Ticket,
    at,
    handed_to_partner,
)


def busy_ticket(ticket_id: int = 4001) -> Ticket:
    """Every rule fires on this one two hours after the move."""
    return (
        handed_to_partner(ticket_id)
        .update(PIET, at(30), status="pending")
        .track(900, by=PIET, when=at(40), comment="reply", public=True)
        .tag("change_request", by=PIET, when=at(50))
    )


def test_deciding_twice_gives_the_same_keys() -> None:
    views = [busy_ticket(n).view() for n in (4001, 4002, 4003)]
    first = decide(views, CONFIG, at(hours=2))
    second = decide(list(reversed(views)), CONFIG, at(hours=2, minutes=7))
    assert len(first) == 12
    assert sorted(d.key for d in first) == sorted(d.key for d in second)
    assert len({d.key for d in first}) == 12
    assert decide(views, CONFIG, at(hours=2)) == first


def test_explain_covers_every_rule_with_its_facts() -> None:
    verdicts = explain(busy_ticket().view(), CONFIG, at(hours=2))
    assert [v.rule for v in verdicts] == [rule.name for rule in RULES]
    assert all(v.fired for v in verdicts)
    hand_back = verdicts[0].facts
    assert hand_back["episode_started_at"] == T0.isoformat()
    assert hand_back["episode_started_by"] == ANNA
    assert hand_back["minutes_in_group"] == 120
    assert hand_back["tracked_seconds"] == 900
    assert isinstance(hand_back["episode_audit_id"], int)
    assert verdicts[1].facts["audit_id"] == busy_ticket().view().audits[2].id
    json.dumps([v.to_dict() for v in verdicts])


def test_explain_says_why_not() -> None:
    view = handed_to_partner().view()
    reasons = {v.rule: v.reason for v in explain(view, CONFIG, at(30))}
    assert reasons == {
        "hand_back": "not due yet: 30m of 2h 00m",
        "submit_as_open": "no status change since the ticket was created",
        "time_entry_note": "no new partner time entry",
        "follow_up_ticket": "no kind is marked without its new ticket",
    }


def test_disabled_rules() -> None:
    config = replace(CONFIG, hand_back=HandBackConfig(enabled=False))
    view = busy_ticket().view()
    assert "hand_back" not in {d.rule for d in decide([view], config, at(hours=2))}
    verdict = explain(view, config, at(hours=2))[0]
    assert not verdict.fired
    assert verdict.reason == "disabled in the configuration (rules.hand_back.enabled)"
    assert next_due(view, config, at(1)) is None


NEXT_DUE = [
    # (case, ticket, now, expected)
    ("two hours after the move", handed_to_partner(), at(1), at(hours=2)),
    ("already due: nothing ahead", handed_to_partner(), at(hours=2), None),
    ("not with a partner", Ticket(status="open"), at(1), None),
    ("solved", handed_to_partner().update(PIET, at(5), status="solved"), at(10), None),
    ("handed back", handed_to_partner().move(10, by=ANNA, when=at(9), assignee=ANNA), at(10), None),
]


@pytest.mark.parametrize(
    ("ticket", "now", "expected"), [row[1:] for row in NEXT_DUE], ids=[row[0] for row in NEXT_DUE]
)
def test_next_due(ticket: Ticket, now: datetime, expected: datetime | None) -> None:
    assert next_due(ticket.view(), CONFIG, now) == expected


def test_next_due_is_when_decide_first_fires() -> None:
    view = handed_to_partner().view()
    due = next_due(view, CONFIG, at(1))
    assert due is not None
    assert [d.rule for d in decide([view], CONFIG, due)] == ["hand_back"]
    assert decide([view], CONFIG, due - timedelta(seconds=1)) == []


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide([], CONFIG, datetime(2025, 1, 6, 9, 0))


def test_views_built_for_another_account_are_refused() -> None:
    other = Account(worker_id=2, partner_groups=ACCOUNT.partner_groups)
    view = Ticket(directory=Directory.build(other, USERS)).view()
    with pytest.raises(ValueError, match="ticket 4001"):
        decide([view], CONFIG, at(1))


def test_an_equal_account_built_separately_is_accepted() -> None:
    account = replace(ACCOUNT)
    config = RulesConfig().with_account(account)
    view = Ticket(by=ANNA, group=ACME, status="open").view()
    assert decide([view], config, at(1)) == []


def test_tickets_that_left_the_configured_groups_are_left_alone() -> None:
    billing = 30
    ticket = busy_ticket().move(billing, by=ANNA, when=at(55))
    assert decide([ticket.view()], CONFIG, at(hours=2)) == []
    verdicts = explain(ticket.view(), CONFIG, at(hours=2))
    assert {v.fired for v in verdicts} == {False}
    assert {v.facts["group_id"] for v in verdicts} == {billing}
    assert next_due(ticket.view(), CONFIG, at(1)) is None


def test_tickets_back_with_ispnext_are_still_ours() -> None:
    ticket = handed_to_partner().update(PIET, at(5), status="solved", group_id=10, assignee_id=ANNA)
    assert [d.rule for d in decide([ticket.view()], CONFIG, at(6))] == ["submit_as_open"]
