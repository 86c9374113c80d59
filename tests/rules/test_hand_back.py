"""Hand back after 2 hours: who gets the ticket back, when, and how often."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from rules.actions import AddNote, Assign
from rules.calendar import BusinessHours
from rules.config import HandBackConfig, RulesConfig
from rules.config_reader import parse_spans
from rules.engine import decide, next_due
from rules.hand_back import hand_back
from rules.model import Directory, TicketView
from tests.rules.builders import (
    ACCOUNT,
    ACME,
    ANNA,
    BERT,
    BETA,
    BOB,
    CONFIG,
    CUSTOM_STATUSES,
    ISA,
    ISPNEXT,
    ISPNEXT_2ND,
    LIZ,
    OLGA,
    PIET,
    STRANGER,
    T0,
    USERS,
    WORKER,
    Ticket,
    at,
    handed_to_partner,
    judge,
)


def assign_of(view: TicketView, now: datetime, config: RulesConfig = CONFIG) -> Assign | None:
    verdict = judge(hand_back, view, config, now)
    if not verdict.decisions:
        return None
    (decision,) = verdict.decisions
    assign, note = decision.actions
    assert isinstance(assign, Assign) and isinstance(note, AddNote)
    return assign


WHO_GETS_IT_BACK = [
    # (case, who moved it to the partner, assignee before the move, expected group, agent)
    ("assigner is an ISPnext agent", ANNA, BERT, ISPNEXT, ANNA),
    ("assigner unknown: previous assignee", STRANGER, ANNA, ISPNEXT, ANNA),
    ("assigner unknown, no previous assignee: group alone", STRANGER, None, ISPNEXT, None),
    ("no author at all: previous assignee", None, ANNA, ISPNEXT, ANNA),
    ("assigner is a partner: group alone", PIET, PIET, ISPNEXT, None),
    ("assigner is a light agent: previous assignee", ISA, ANNA, ISPNEXT, ANNA),
    ("light agents are never assignees", ISA, ISA, ISPNEXT, None),
    ("assigner deactivated: previous assignee", OLGA, ANNA, ISPNEXT, ANNA),
    ("assigner in another ISPnext group: their group", BERT, ANNA, ISPNEXT_2ND, BERT),
    ("the worker is never the agent", WORKER, ANNA, ISPNEXT, ANNA),
]


@pytest.mark.parametrize(
    ("by", "before", "group", "agent"),
    [row[1:] for row in WHO_GETS_IT_BACK],
    ids=[row[0] for row in WHO_GETS_IT_BACK],
)
def test_who_gets_the_ticket_back(
    by: int | None, before: int | None, group: int, agent: int | None
) -> None:
    view = handed_to_partner(by=by, before=before).view()
    assert assign_of(view, at(hours=2)) == Assign(group, agent)


def test_back_to_the_ispnext_group_it_came_from() -> None:
    ticket = Ticket(status="open", group=ISPNEXT_2ND, assignee=BERT, when=at(-60))
    ticket.move(ACME, by=BERT, when=T0, assignee=PIET)
    assert assign_of(ticket.view(), at(hours=2)) == Assign(ISPNEXT_2ND, BERT)


def test_from_a_partner_group_back_to_the_first_ispnext_group() -> None:
    ticket = Ticket(status="open", group=BETA, assignee=BOB, when=at(-60))
    ticket.move(ACME, by=BOB, when=T0)
    assert assign_of(ticket.view(), at(hours=2)) == Assign(ISPNEXT, None)


WHEN = [
    # (case, now, fires)
    ("one minute before", at(119), False),
    ("one second before", at(hours=2) - timedelta(seconds=1), False),
    ("at the threshold, to the minute", at(hours=2), True),
    ("long after", at(days=3), True),
    ("before the episode began (clock skew)", at(-5), False),
]


@pytest.mark.parametrize(("now", "fires"), [row[1:] for row in WHEN], ids=[row[0] for row in WHEN])
def test_threshold_is_exact(now: datetime, fires: bool) -> None:
    assert (assign_of(handed_to_partner().view(), now) is not None) is fires


STATUSES = [
    ("new", True),
    ("open", True),
    ("pending", True),
    ("hold", True),
    ("solved", False),
    ("closed", False),
    ("deleted", False),
]


@pytest.mark.parametrize(("status", "fires"), STATUSES)
def test_only_unsolved_tickets_go_back(status: str, fires: bool) -> None:
    ticket = handed_to_partner().update(PIET, at(10), status=status)
    if status == "deleted":  # the export marks deletions; no audit says so
        ticket = handed_to_partner().set(status="deleted")
    assert (assign_of(ticket.view(), at(hours=3)) is not None) is fires


def test_custom_status_solved_category_is_not_handed_back() -> None:
    ticket = handed_to_partner().update(PIET, at(10), status="solved", custom_status_id=7006)
    assert assign_of(ticket.view(), at(hours=3)) is None


def test_two_episodes_each_handed_back_once() -> None:
    ticket = handed_to_partner(by=ANNA, when=T0)
    first = decide([ticket.view()], CONFIG, at(hours=2))
    ticket.move(ISPNEXT, by=1, when=at(hours=2), assignee=ANNA)  # the worker handed it back
    assert decide([ticket.view()], CONFIG, at(hours=3)) == []
    ticket.move(BETA, by=BERT, when=at(hours=4), assignee=BOB)
    assert decide([ticket.view()], CONFIG, at(hours=5)) == []
    second = decide([ticket.view()], CONFIG, at(hours=6))
    assert [d.rule for d in first] == [d.rule for d in second] == ["hand_back"]
    assert first[0].key != second[0].key
    assert second[0].facts["partner_group_id"] == BETA
    assert second[0].actions[0] == Assign(ISPNEXT_2ND, BERT)


def test_episode_ended_by_an_agent_is_not_handed_back() -> None:
    ticket = handed_to_partner().move(ISPNEXT, by=PIET, when=at(60), assignee=ANNA)
    assert assign_of(ticket.view(), at(hours=3)) is None


def test_move_between_partner_groups_starts_a_new_episode() -> None:
    ticket = handed_to_partner(group=ACME).move(BETA, by=ANNA, when=at(90), assignee=BOB)
    assert assign_of(ticket.view(), at(hours=2)) is None
    assert assign_of(ticket.view(), at(90, hours=2)) == Assign(ISPNEXT, ANNA)


def test_created_in_a_partner_group() -> None:
    view = Ticket(by=ANNA, group=ACME, assignee=PIET, status="open").view()
    assert assign_of(view, at(hours=2)) == Assign(ISPNEXT, ANNA)  # came from no group


def test_no_audit_shows_the_move() -> None:
    view = Ticket(status="open").set(group_id=ACME).view()
    verdict = judge(hand_back, view, CONFIG, at(days=1))
    assert not verdict.fired and "no audit" in verdict.reason


def test_a_partner_user_reassigning_within_the_group_keeps_the_episode() -> None:
    ticket = handed_to_partner(assignee=PIET).update(PIET, at(30), assignee_id=None)
    decision = decide([ticket.view()], CONFIG, at(hours=2))[0]
    assert decision.facts["episode_started_at"] == T0.isoformat()


TRACKED = [
    # (case, ISPnext time before, partner time, scope, limit, fires at +30 min)
    ("partner tracked the limit", 0, 7200, "episode", timedelta(hours=2), True),
    ("partner tracked one second less", 0, 7199, "episode", timedelta(hours=2), False),
    ("ISPnext's earlier time does not count", 3600, 3600, "episode", timedelta(hours=2), False),
    ("unless the scope is the whole ticket", 3600, 3600, "ticket", timedelta(hours=2), True),
    ("tracked limit turned off", 0, 9000, "episode", None, False),
    ("a lower limit", 0, 1800, "episode", timedelta(minutes=30), True),
]


@pytest.mark.parametrize(
    ("before", "partner", "scope", "limit", "fires"),
    [row[1:] for row in TRACKED],
    ids=[row[0] for row in TRACKED],
)
def test_tracked_time_over_the_limit(
    before: int, partner: int, scope: str, limit: timedelta | None, fires: bool
) -> None:
    ticket = Ticket(status="open", assignee=ANNA, when=at(-60))
    if before:
        ticket.track(before, by=ANNA, when=at(-30), comment="analysis")
    ticket.move(ACME, by=ANNA, when=T0, assignee=PIET)
    ticket.track(partner, by=PIET, when=at(25), comment="worked on it")
    settings = HandBackConfig(tracked_limit=limit, tracked_scope=scope)
    config = replace(CONFIG, hand_back=settings)
    verdict = judge(hand_back, ticket.view(), config, at(30))
    assert verdict.fired is fires
    assert verdict.facts["tracked_seconds"] == (partner + before if scope == "ticket" else partner)


def test_light_agent_time_counts_like_anyones() -> None:
    ticket = handed_to_partner().track(7200, by=LIZ, when=at(10), comment="light agent time")
    assert assign_of(ticket.view(), at(11)) == Assign(ISPNEXT, ANNA)


def test_note_says_why_and_how_long() -> None:
    (decision,) = decide([handed_to_partner().view()], CONFIG, at(125))
    note = decision.actions[1]
    assert isinstance(note, AddNote)
    for words in ("Acme IT", "2h 05m", "Anna ISPnext", "2025-01-06 09:00 UTC", "2h 00m"):
        assert words in note.body
    assert decision.key == f"hand_back:4001:episode-{decision.facts['episode_audit_id']}"
    assert decision.facts["minutes_in_group"] == 125
    assert decision.facts["chosen"] == "assigner"


def test_tracked_reason_in_note() -> None:
    ticket = handed_to_partner().track(7500, by=PIET, when=at(20), comment="done a lot")
    (decision,) = decide([ticket.view()], CONFIG, at(21))
    assert "time tracked on it (2h 05m)" in decision.actions[1].body  # type: ignore[union-attr]


def _business(holidays: frozenset[date] = frozenset()) -> HandBackConfig:
    weekday = parse_spans("09:00-17:00") or ()
    hours = BusinessHours("Europe/Amsterdam", (weekday,) * 5 + ((), ()), holidays)
    return HandBackConfig(business_hours=hours)


AMS = timedelta(hours=1)  # Amsterdam is UTC+1 in January
FRIDAY_16 = datetime(2025, 1, 10, 16, 0, tzinfo=UTC) - AMS
MONDAY_10 = datetime(2025, 1, 13, 10, 0, tzinfo=UTC) - AMS
TUESDAY_10 = datetime(2025, 1, 14, 10, 0, tzinfo=UTC) - AMS

BUSINESS = [
    # (case, holidays, now, fires)
    (
        "Friday evening: one business hour so far",
        frozenset(),
        FRIDAY_16 + timedelta(hours=3),
        False,
    ),
    ("over the weekend", frozenset(), MONDAY_10 - timedelta(days=1), False),
    ("Monday 09:59", frozenset(), MONDAY_10 - timedelta(minutes=1), False),
    ("Monday 10:00", frozenset(), MONDAY_10, True),
    ("Monday is a holiday", frozenset({date(2025, 1, 13)}), MONDAY_10, False),
    ("so Tuesday 10:00", frozenset({date(2025, 1, 13)}), TUESDAY_10, True),
]


@pytest.mark.parametrize(
    ("holidays", "now", "fires"), [row[1:] for row in BUSINESS], ids=[row[0] for row in BUSINESS]
)
def test_business_hours_across_a_weekend_and_a_holiday(
    holidays: frozenset[date], now: datetime, fires: bool
) -> None:
    config = replace(CONFIG, hand_back=_business(holidays))
    view = handed_to_partner(when=FRIDAY_16).view()
    assert judge(hand_back, view, config, now).fired is fires
    expected_due = TUESDAY_10 if holidays else MONDAY_10
    assert next_due(view, config, FRIDAY_16) == expected_due


def test_business_hours_in_the_note_and_facts() -> None:
    config = replace(CONFIG, hand_back=_business())
    view = handed_to_partner(when=FRIDAY_16).view()
    (decision,) = decide([view], config, MONDAY_10)
    assert decision.facts["business_minutes_in_group"] == 120
    assert decision.facts["minutes_in_group"] == (MONDAY_10 - FRIDAY_16) // timedelta(minutes=1)
    assert "2h 00m of business hours" in decision.actions[1].body  # type: ignore[union-attr]
    assert "2025-01-10 16:00 CET" in decision.actions[1].body  # type: ignore[union-attr]


def test_no_ispnext_group_configured() -> None:
    account = replace(ACCOUNT, ispnext_groups=())
    directory = Directory.build(account, USERS, CUSTOM_STATUSES)
    view = handed_to_partner(directory=directory).view()
    verdict = judge(hand_back, view, CONFIG.with_account(account), at(hours=3))
    assert not verdict.fired and "no ISPnext group" in verdict.reason
