"""Going live: the event rules act only on changes after ``act_on_changes_since``; the hand
back judges the current episode, however old; ``before_go_live`` lists what is left alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from rules.config import HandBackConfig, RulesConfig
from rules.engine import before_go_live, decide, explain
from rules.rules_section import parse_rules_config
from tests.rules.builders import ACME, ANNA, CONFIG, PIET, Ticket, at, handed_to_partner

GO_LIVE = at(days=1)
#: Hand back after a month: the event rules' tickets below are not due, a 90-day episode is.
MONTH = replace(CONFIG, hand_back=HandBackConfig(after=timedelta(days=30)))
LIVE = replace(MONTH, act_on_changes_since=GO_LIVE, go_live_at_first_pull=False)


def partner_ticket() -> Ticket:
    return Ticket(by=ANNA, group=ACME, assignee=PIET, status="open")


# (case, the ticket, the rules that act after go-live, those left alone as history)
Case = tuple[str, Callable[[], Ticket], list[str], list[str]]
CASES: list[Case] = [
    (
        "status change before go-live",
        lambda: partner_ticket().update(PIET, at(hours=20), status="pending"),
        [],
        ["submit_as_open"],
    ),
    (
        "status change after go-live",
        lambda: partner_ticket().update(PIET, at(days=1, minutes=1), status="pending"),
        ["submit_as_open"],
        [],
    ),
    (
        "status change at the go-live instant is history",
        lambda: partner_ticket().update(PIET, GO_LIVE, status="pending"),
        [],
        ["submit_as_open"],
    ),
    (
        "time entries on both sides of go-live",
        lambda: (
            partner_ticket()
            .track(600, by=PIET, when=at(hours=20))
            .track(300, by=PIET, when=at(days=1, hours=1))
        ),
        ["time_entry_note"],
        ["time_entry_note"],
    ),
    (
        "marked before go-live",
        lambda: partner_ticket().tag("change_request", by=PIET, when=at(hours=3)),
        [],
        ["follow_up_ticket"],
    ),
    (
        "marked after go-live",
        lambda: partner_ticket().tag("maintenance", by=PIET, when=at(days=2)),
        ["follow_up_ticket"],
        [],
    ),
    (
        "marked without an audit that shows when",
        lambda: partner_ticket().set(tags=frozenset({"change_request"})),
        [],
        ["follow_up_ticket"],
    ),
    (
        "hand back of an episode begun long before go-live",
        lambda: handed_to_partner(when=at(days=-90)),
        ["hand_back"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("build", "acted", "history"), [row[1:] for row in CASES], ids=[row[0] for row in CASES]
)
def test_only_changes_after_go_live_are_acted_on(
    build: Callable[[], Ticket], acted: list[str], history: list[str]
) -> None:
    view = build().view()
    now = at(days=3)
    assert [d.rule for d in decide([view], LIVE, now)] == acted
    assert [d.rule for d in before_go_live([view], LIVE, now)] == history
    # Without a go-live instant every change counts, as before.
    assert sorted(d.rule for d in decide([view], MONTH, now)) == sorted(acted + history)


def test_the_reason_names_the_change_and_the_go_live_instant() -> None:
    view = partner_ticket().update(PIET, at(hours=20), status="pending").view()
    verdicts = {v.rule: v for v in explain(view, LIVE, at(days=3))}
    assert verdicts["submit_as_open"].reason == (
        "the last status change (Piet Acme, 2025-01-07 05:00 UTC) came before go-live "
        "(2025-01-07 09:00 UTC): zdsync does not act on history"
    )
    tracked = partner_ticket().track(600, by=PIET, when=at(hours=2)).view()
    (time_note,) = [v for v in explain(tracked, LIVE, at(days=3)) if v.rule == "time_entry_note"]
    assert time_note.reason.startswith(
        "a time entry without an internal note (Piet Acme, 2025-01-06 11:00"
    )
    assert "before go-live" in time_note.reason
    marked = partner_ticket().tag("change_request", by=PIET, when=at(hours=3)).view()
    (follow_up,) = [v for v in explain(marked, LIVE, at(days=3)) if v.rule == "follow_up_ticket"]
    assert follow_up.reason.startswith(
        "the mark as Change Request (Piet Acme, 2025-01-06 12:00 UTC)"
    )


def test_the_first_pull_gives_the_instant_only_to_first_run() -> None:
    first_pull = datetime.fromisoformat("2025-01-07T09:00:00+00:00")
    first_run = RulesConfig()  # the default: act_on_changes_since: first-run
    assert first_run.with_first_pull(first_pull).act_on_changes_since == first_pull
    assert first_run.with_first_pull(None).act_on_changes_since is None
    configured = RulesConfig(act_on_changes_since=at(), go_live_at_first_pull=False)
    assert configured.with_first_pull(first_pull).act_on_changes_since == at()


def test_no_go_live_instant_leaves_nothing_alone() -> None:
    view = partner_ticket().update(PIET, at(hours=20), status="pending").view()
    assert before_go_live([view], CONFIG, at(days=3)) == []


READ: list[tuple[object, datetime | None, bool]] = [
    # (act_on_changes_since as written, the instant, whether it is the first pull's)
    (None, None, True),
    ("first-run", None, True),
    ("2025-03-01", datetime.fromisoformat("2025-03-01T00:00:00+00:00"), False),
    (
        "2025-03-01T08:00:00+01:00",
        datetime.fromisoformat("2025-03-01T07:00:00+00:00"),
        False,
    ),
]


@pytest.mark.parametrize(("written", "instant", "first_pull"), READ)
def test_reading_act_on_changes_since(
    written: object, instant: datetime | None, first_pull: bool
) -> None:
    section = {} if written is None else {"act_on_changes_since": written}
    config, problems = parse_rules_config(section)
    assert problems == [] and config is not None
    assert config.act_on_changes_since == instant
    assert config.go_live_at_first_pull is first_pull


@pytest.mark.parametrize("written", ["first run", "yesterday", 5, "2025-02-30"])
def test_a_bad_act_on_changes_since_is_a_problem(written: object) -> None:
    config, problems = parse_rules_config({"act_on_changes_since": written})
    assert config is None
    ((path, message),) = problems
    assert path == "rules.act_on_changes_since" and message.startswith("expected first-run")
