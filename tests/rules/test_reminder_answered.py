"""The time-entry reminder's tag goes once a partner user's internal note follows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from rules.actions import AddNote, AddTags, RemoveTags
from rules.engine import decide
from rules.time_entry_note import require_time_note
from tests.rules.builders import ACME, ADMIN, ANNA, CONFIG, LIZ, PIET, WORKER, Ticket, at, judge
from tests.rules.simulator import apply_actions

TAG = "time_note_missing"


def reminded() -> Ticket:
    """A partner time entry without a note at 09:05, the worker's reminder at 09:06."""
    ticket = Ticket(by=ANNA, group=ACME, assignee=PIET, status="open")
    ticket.track(600, by=PIET, when=at(5))
    return ticket.update(WORKER, at(6), comment="[zdsync: time entry] ...", tags=(TAG,))


REMOVED_NOTE = (
    "[zdsync: time entry] {who} (Acme IT) added an internal note at 2025-01-06 09:20 UTC, "
    "after the time entry of 2025-01-06 09:05 UTC: the reminder is answered and the tag "
    "time_note_missing is removed."
)

CASES: list[tuple[str, Callable[[], Ticket], str | None]] = [
    # (case, the history, who answered: None when the tag stays)
    (
        "the partner agent's internal note",
        lambda: reminded().update(PIET, at(20), comment="router logs", public=False),
        "Piet Acme",
    ),
    (
        "a light agent's internal note",
        lambda: reminded().update(LIZ, at(20), comment="router logs", public=False),
        "Liz Acme",
    ),
    (
        "a new time entry that comes with its note",
        lambda: reminded().track(300, by=PIET, when=at(20), comment="both", public=False),
        "Piet Acme",
    ),
    (
        "a public reply is not an internal note",
        lambda: reminded().update(PIET, at(20), comment="we are on it", public=True),
        None,
    ),
    (
        "ISPnext's internal note is not the partner's",
        lambda: reminded().update(ANNA, at(20), comment="noted", public=False),
        None,
    ),
    (
        "an ISPnext admin in the partner group counts as ISPnext",
        lambda: reminded().update(ADMIN, at(20), comment="noted", public=False),
        None,
    ),
    ("no note yet", reminded, None),
    (
        "a tag ISPnext set without a time entry is not the worker's to remove",
        lambda: Ticket(by=ANNA, group=ACME, status="open", tags=(TAG,)).update(
            PIET, at(20), comment="router logs", public=False
        ),
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "who"), [row[1:] for row in CASES], ids=[row[0] for row in CASES]
)
def test_the_tag_goes_once_a_partner_note_follows_the_time_entry(
    build: Callable[[], Ticket], who: str | None
) -> None:
    view = build().view()
    verdict = judge(require_time_note, view, CONFIG, at(21))
    if who is None:
        assert not verdict.fired
        return
    (decision,) = verdict.decisions
    assert decision.actions == (RemoveTags((TAG,)), AddNote(REMOVED_NOTE.format(who=who)))
    entry = view.audits[1]
    assert decision.key == f"time_entry_note:4001:answered-{entry.id}"
    assert decision.facts["time_entry_audit_id"] == entry.id
    assert verdict.reason == (
        f"{who} added an internal note at 2025-01-06 09:20 UTC, after the time entry of "
        "2025-01-06 09:05 UTC: the tag time_note_missing goes"
    )


def test_a_later_entry_without_a_note_keeps_the_tag_and_is_reminded() -> None:
    ticket = reminded().update(PIET, at(20), comment="router logs", public=False)
    view = ticket.track(120, by=LIZ, when=at(30)).view()
    (decision,) = judge(require_time_note, view, CONFIG, at(31)).decisions
    assert decision.actions[1] == AddTags((TAG,))
    assert decision.facts["audit_id"] == view.audits[-1].id


def test_an_entry_answered_before_the_worker_saw_it_gets_no_reminder() -> None:
    ticket = Ticket(by=ANNA, group=ACME, assignee=PIET, status="open")
    ticket.track(600, by=PIET, when=at(5)).update(PIET, at(7), comment="logs", public=False)
    verdict = judge(require_time_note, ticket.view(), CONFIG, at(8))
    assert not verdict.fired
    assert verdict.reason == (
        "every new partner time entry came with an internal note or one followed"
    )


def test_a_note_before_go_live_leaves_the_tag_alone() -> None:
    view = reminded().update(PIET, at(20), comment="logs", public=False).view()
    config = replace(CONFIG, act_on_changes_since=at(25))
    assert not judge(require_time_note, view, config, at(30)).fired


def test_removed_once_then_nothing_even_when_decided_again() -> None:
    view = reminded().update(PIET, at(20), comment="logs", public=False).view()
    first = decide([view], CONFIG, at(21))
    assert decide([view], CONFIG, at(22)) == first  # the same key: queued once
    after = apply_actions(view, first[0].actions, WORKER, at(23))
    assert TAG not in after.tags
    assert decide([after], CONFIG, at(24)) == []
    # A new entry without a note starts over: reminded, answered, the tag removed again.
    again = Ticket.continuing(after).track(300, by=PIET, when=at(30)).view()
    (reminder,) = decide([again], CONFIG, at(31))
    again = apply_actions(again, reminder.actions, WORKER, at(32))
    assert TAG in again.tags and decide([again], CONFIG, at(33)) == []
    again = Ticket.continuing(again).update(LIZ, at(40), comment="done", public=False).view()
    (removal,) = decide([again], CONFIG, at(41))
    assert removal.key != first[0].key and removal.actions[0] == RemoveTags((TAG,))
    assert decide([apply_actions(again, removal.actions, WORKER, at(42))], CONFIG, at(43)) == []


def test_explain_says_the_reminder_waits_for_the_note() -> None:
    verdict = judge(require_time_note, reminded().view(), CONFIG, at(30))
    assert not verdict.fired
    assert verdict.reason == (
        "reminded of the time entry (Piet Acme, 2025-01-06 09:05 UTC): "
        "time_note_missing stays until a partner's note"
    )
