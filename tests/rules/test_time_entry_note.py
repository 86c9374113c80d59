"""Time entries need an internal note in the same update."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules.actions import AddNote, AddTags
from rules.engine import decide
from rules.model import FieldChange
from rules.time_entry_note import require_time_note
from tests.rules.builders import (
    ACME,
    ANNA,
    CONFIG,
    LIZ,
    PIET,
    TOTAL,
    WORKER,
    Ticket,
    at,
    judge,
)


def partner_ticket() -> Ticket:
    return Ticket(by=ANNA, group=ACME, assignee=PIET, status="open")


ENTRIES = [
    # (case, author, comment, public, asks for a note)
    ("with an internal note", PIET, "checked the router logs", False, False),
    ("without any comment", PIET, None, False, True),
    ("with a public reply and no internal note", PIET, "we are on it", True, True),
    ("light agent without a note", LIZ, None, False, True),
    ("ISPnext agent without a note", ANNA, None, False, False),
    ("the worker itself", WORKER, None, False, False),
]


@pytest.mark.parametrize(
    ("author", "comment", "public", "asks"),
    [row[1:] for row in ENTRIES],
    ids=[row[0] for row in ENTRIES],
)
def test_time_entries(author: int, comment: str | None, public: bool, asks: bool) -> None:
    view = (
        partner_ticket().track(900, by=author, when=at(10), comment=comment, public=public).view()
    )
    verdict = judge(require_time_note, view, CONFIG, at(11))
    assert verdict.fired is asks
    if asks:
        (decision,) = verdict.decisions
        note, tag = decision.actions
        assert (
            isinstance(note, AddNote)
            and "recorded 15m in the update of 2025-01-06 09:10 UTC" in note.body
        )
        assert tag == AddTags(("time_note_missing",))
        assert decision.key == f"time_entry_note:4001:audit-{view.audits[-1].id}"
        assert decision.facts["public_reply"] is public


def test_same_time_entered_twice_changes_only_the_total() -> None:
    ticket = partner_ticket().track(600, by=PIET, when=at(10), comment="first look")
    view = ticket.track(600, by=PIET, when=at(20)).view()
    only = view.audits[-1].events
    assert only == (FieldChange(str(TOTAL), "600", "1200"),)  # no "last update" event
    (decision,) = decide([view], CONFIG, at(21))
    assert decision.facts["audit_id"] == view.audits[-1].id
    assert decision.facts["seconds_added"] == 600


def test_each_audit_without_a_note_is_asked_once() -> None:
    ticket = partner_ticket().track(300, by=PIET, when=at(10))
    ticket.track(120, by=LIZ, when=at(30))
    decisions = decide([ticket.view()], CONFIG, at(31))
    assert [d.facts["seconds_added"] for d in decisions] == [300, 120]
    assert len({d.key for d in decisions}) == 2


def test_a_partner_note_in_a_later_update_answers_the_entries_before_it() -> None:
    ticket = partner_ticket().track(300, by=PIET, when=at(10))
    ticket.track(600, by=PIET, when=at(20), comment="internal", public=False)
    ticket.track(120, by=LIZ, when=at(30))
    decisions = decide([ticket.view()], CONFIG, at(31))
    assert [d.facts["seconds_added"] for d in decisions] == [120]


def test_audits_the_worker_already_answered_are_not_asked_again() -> None:
    ticket = partner_ticket().track(300, by=PIET, when=at(10))
    ticket.update(WORKER, at(11), comment="reminder", tags=("time_note_missing",))
    assert decide([ticket.view()], CONFIG, at(12)) == []
    ticket.track(60, by=PIET, when=at(20))
    (decision,) = decide([ticket.view()], CONFIG, at(21))
    assert decision.facts["seconds_added"] == 60
    verdict = judge(require_time_note, ticket.view(), CONFIG, at(21))
    assert verdict.facts["since_audit_id"] == ticket.view().audits[-2].id


def test_a_correction_that_lowers_the_total_is_not_a_time_entry() -> None:
    ticket = partner_ticket().track(900, by=PIET, when=at(10), comment="internal")
    view = ticket.change(PIET, at(20), {str(TOTAL): "300"}).view()
    verdict = judge(require_time_note, view, CONFIG, at(21))
    assert not verdict.fired


@pytest.mark.parametrize("status", ["closed", "deleted"])
def test_closed_and_deleted_tickets(status: str) -> None:
    view = partner_ticket().track(900, by=PIET, when=at(10)).set(status=status).view()
    assert not judge(require_time_note, view, CONFIG, at(11)).fired


def test_solved_tickets_still_get_the_reminder() -> None:
    view = partner_ticket().track(900, by=PIET, when=at(10)).update(PIET, at(11), status="solved")
    assert judge(require_time_note, view.view(), CONFIG, at(12)).fired


def test_without_the_time_tracking_field() -> None:
    account = replace(CONFIG.account, total_time_field_id=None)
    view = partner_ticket().track(900, by=PIET, when=at(10)).view()
    config = CONFIG.with_account(account)
    verdict = judge(require_time_note, view, config, at(11))
    assert not verdict.fired and "Time Tracking" in verdict.reason
