"""Rules converge: apply a rule's actions as Zendesk would (one audit by the worker) and
decide again: nothing. Later, too: a time-based rule does not come back by itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from rules.calendar import BusinessHours
from rules.config import FollowUpConfig, FollowUpKind, HandBackConfig, RulesConfig
from rules.config_reader import parse_spans
from rules.engine import decide
from rules.model import TicketView
from tests.rules.builders import (
    ACME,
    ANNA,
    CONFIG,
    LIZ,
    OPEN_CS,
    PENDING_PARTNER_CS,
    PIET,
    STRANGER,
    WORKER,
    Ticket,
    at,
    handed_to_partner,
)
from tests.rules.simulator import apply_actions

WORK_TYPE = 5004
WEEKDAY = parse_spans("09:00-17:00") or ()
BUSINESS = replace(
    CONFIG,
    hand_back=HandBackConfig(
        business_hours=BusinessHours("Europe/Amsterdam", (WEEKDAY,) * 5 + ((), ()))
    ),
)
FIELD_KIND = replace(
    CONFIG,
    follow_up=FollowUpConfig(kinds=(FollowUpKind("change_request", "CR", (), WORK_TYPE, "cr"),)),
)
FRIDAY_15_UTC = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
TUESDAY = datetime(2025, 1, 14, 12, 0, tzinfo=UTC)


def partner_ticket(custom: bool = False) -> Ticket:
    status = OPEN_CS if custom else None
    return Ticket(by=ANNA, group=ACME, assignee=PIET, status="open", custom_status=status)


# (case, the ticket, config, now, the rules expected to fire)
Scenario = tuple[str, Callable[[], Ticket], RulesConfig, datetime, list[str]]
SCENARIOS: list[Scenario] = [
    ("hand back: time in group", handed_to_partner, CONFIG, at(hours=2), ["hand_back"]),
    (
        "hand back: tracked time",
        lambda: handed_to_partner().track(7200, by=PIET, when=at(5), comment="internal"),
        CONFIG,
        at(6),
        ["hand_back"],
    ),
    (
        "hand back: group alone",
        lambda: handed_to_partner(by=STRANGER, before=None),
        CONFIG,
        at(hours=3),
        ["hand_back"],
    ),
    (
        "hand back: business hours",
        lambda: handed_to_partner(when=FRIDAY_15_UTC),
        BUSINESS,
        TUESDAY,
        ["hand_back"],
    ),
    (
        "submit as open: full agent",
        lambda: partner_ticket().update(PIET, at(5), status="pending"),
        CONFIG,
        at(6),
        ["submit_as_open"],
    ),
    (
        "submit as open: light agent solves",
        lambda: partner_ticket().update(LIZ, at(5), status="solved"),
        CONFIG,
        at(6),
        ["submit_as_open"],
    ),
    (
        "submit as open: custom status",
        lambda: partner_ticket(True).update(
            PIET, at(5), status="pending", custom_status_id=PENDING_PARTNER_CS
        ),
        CONFIG,
        at(6),
        ["submit_as_open"],
    ),
    (
        "time note: none",
        lambda: partner_ticket().track(600, by=PIET, when=at(5)),
        CONFIG,
        at(6),
        ["time_entry_note"],
    ),
    (
        "time note: the reminder answered, its tag removed",
        lambda: (
            partner_ticket()
            .track(600, by=PIET, when=at(5))
            .update(WORKER, at(6), comment="reminder", tags=("time_note_missing",))
            .update(LIZ, at(9), comment="spent on the router", public=False)
        ),
        CONFIG,
        at(10),
        ["time_entry_note"],
    ),
    (
        "time note: public reply, twice",
        lambda: (
            partner_ticket()
            .track(600, by=PIET, when=at(5), comment="hi", public=True)
            .track(600, by=PIET, when=at(7))
        ),
        CONFIG,
        at(8),
        ["time_entry_note", "time_entry_note"],
    ),
    (
        "follow-up: both tags",
        lambda: partner_ticket().tag("change_request", "maintenance", by=PIET, when=at(5)),
        CONFIG,
        at(6),
        ["follow_up_ticket", "follow_up_ticket"],
    ),
    (
        "follow-up: field value",
        lambda: partner_ticket().change(PIET, at(5), {str(WORK_TYPE): "cr"}),
        FIELD_KIND,
        at(6),
        ["follow_up_ticket"],
    ),
    (
        "all four at once",
        lambda: (
            handed_to_partner()
            .update(PIET, at(30), status="pending")
            .track(900, by=PIET, when=at(40), comment="reply", public=True)
            .tag("change_request", by=PIET, when=at(50))
        ),
        CONFIG,
        at(hours=2),
        ["hand_back", "submit_as_open", "time_entry_note", "follow_up_ticket"],
    ),
]


def converge(view: TicketView, config: RulesConfig, now: datetime) -> tuple[list[str], TicketView]:
    decisions = decide([view], config, now)
    actions = tuple(action for decision in decisions for action in decision.actions)
    return [d.rule for d in decisions], apply_actions(view, actions, WORKER, now)


@pytest.mark.parametrize(
    ("build", "config", "now", "rules"),
    [row[1:] for row in SCENARIOS],
    ids=[row[0] for row in SCENARIOS],
)
def test_apply_then_decide_again_gives_nothing(
    build: Callable[[], Ticket], config: RulesConfig, now: datetime, rules: list[str]
) -> None:
    fired, after = converge(build().view(), config, now)
    assert fired == rules
    assert decide([after], config, now) == []
    # Later the ticket may be due for another rule (still with the partner), never this one.
    later = decide([after], config, at(days=30))
    assert [d.rule for d in later if d.rule in rules] == []


def test_light_agents_are_never_given_a_ticket() -> None:
    # The simulator rejects what Zendesk rejects: a light agent as assignee.
    view = handed_to_partner(by=LIZ, before=LIZ).view()
    fired, after = converge(view, CONFIG, at(hours=2))
    assert fired == ["hand_back"] and after.assignee_id is None
