"""What agents read: notes and reasons name people and times, never internal ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rules.actions import AddNote
from rules.calendar import BusinessHours
from rules.config import RulesConfig
from rules.decision import Check
from rules.engine import decide
from rules.follow_up import create_follow_up
from rules.model import TicketView
from rules.submit_as_open import submit_as_open
from rules.template import format_duration
from rules.time_entry_note import require_time_note
from tests.rules.builders import (
    ACME,
    ANNA,
    CONFIG,
    LIZ,
    PIET,
    STRANGER,
    Ticket,
    at,
    handed_to_partner,
    judge,
)

DAY = (9 * 60, 17 * 60)
AMSTERDAM = BusinessHours("Europe/Amsterdam", ((DAY,),) * 5 + ((), ()))
#: The same rules, with times shown in the business hours' zone.
DUTCH_TIME = replace(CONFIG, hand_back=replace(CONFIG.hand_back, business_hours=AMSTERDAM))


def partner_ticket() -> Ticket:
    return Ticket(by=ANNA, group=ACME, assignee=PIET, status="open")


DURATIONS = [
    (timedelta(seconds=59), "0m"),
    (timedelta(minutes=45), "45m"),
    (timedelta(hours=2, minutes=5), "2h 05m"),
    (timedelta(hours=23, minutes=59), "23h 59m"),
    (timedelta(days=1), "1 d 0 h"),
    (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
    (timedelta(hours=15322, minutes=32), "638 d 10 h"),
    (timedelta(minutes=-5), "0m"),
]


@pytest.mark.parametrize(("duration", "shown"), DURATIONS, ids=[row[1] for row in DURATIONS])
def test_durations_read_as_support_staff_write_them(duration: timedelta, shown: str) -> None:
    assert format_duration(duration) == shown


def time_entry(seconds: int, by: int = PIET) -> TicketView:
    return partner_ticket().track(seconds, by=by, when=at(70), comment=None).view()


NOTES = [
    # (case, view, config, the reminder's first sentence)
    (
        "a quarter of an hour, UTC",
        time_entry(900),
        CONFIG,
        "[zdsync: time entry] Piet Acme (Acme IT) recorded 15m in the update of "
        "2025-01-06 10:10 UTC without an internal note.",
    ),
    (
        "in the business hours' zone",
        time_entry(900),
        DUTCH_TIME,
        "[zdsync: time entry] Piet Acme (Acme IT) recorded 15m in the update of "
        "2025-01-06 11:10 CET without an internal note.",
    ),
    (
        "seconds round up to a minute",
        time_entry(61, by=LIZ),
        CONFIG,
        "[zdsync: time entry] Liz Acme (Acme IT) recorded 2m in the update of "
        "2025-01-06 10:10 UTC without an internal note.",
    ),
    (
        "days and hours",
        time_entry(3 * 86400 + 4 * 3600 + 60),
        CONFIG,
        "[zdsync: time entry] Piet Acme (Acme IT) recorded 3 d 4 h in the update of "
        "2025-01-06 10:10 UTC without an internal note.",
    ),
]


@pytest.mark.parametrize(
    ("view", "config", "first"), [row[1:] for row in NOTES], ids=[row[0] for row in NOTES]
)
def test_the_time_entry_reminder_names_the_update_by_its_time_and_author(
    view: TicketView, config: RulesConfig, first: str
) -> None:
    (decision,) = judge(require_time_note, view, config, at(71)).decisions
    note = decision.actions[0]
    assert isinstance(note, AddNote)
    assert note.body.startswith(first + ' "There is no option')
    assert note.body.endswith("The tag time_note_missing stays on the ticket until you do.")
    assert str(view.audits[-1].id) not in note.body


def status_set(by: int) -> TicketView:
    return partner_ticket().update(by, at(70), status="pending").view()


REASONS: list[tuple[str, Check, TicketView, RulesConfig, str]] = [
    (
        "Submit as Open by a partner agent",
        submit_as_open,
        status_set(PIET),
        CONFIG,
        "Pending set by Piet Acme (Acme IT, partner user) at 2025-01-06 10:10 UTC",
    ),
    (
        "Submit as Open by a light agent, Amsterdam time",
        submit_as_open,
        status_set(LIZ),
        DUTCH_TIME,
        "Pending set by Liz Acme (Acme IT, partner user) at 2025-01-06 11:10 CET",
    ),
    (
        "not reverted: ISPnext staff",
        submit_as_open,
        status_set(ANNA),
        CONFIG,
        "the last status change was made by Anna ISPnext, ISPnext staff",
    ),
    (
        "not reverted: a user the directory does not know",
        submit_as_open,
        status_set(STRANGER),
        CONFIG,
        f"the last status change was made by user #{STRANGER}, someone who is not a partner user",
    ),
    (
        "a follow-up names who marked it, and when",
        create_follow_up,
        partner_ticket().tag("change_request", by=LIZ, when=at(70)).view(),
        CONFIG,
        "marked as Change Request by Liz Acme at 2025-01-06 10:10 UTC",
    ),
    (
        "a time entry without a note",
        require_time_note,
        time_entry(900, by=LIZ),
        CONFIG,
        "a time entry (Liz Acme, 2025-01-06 10:10 UTC) without an internal note",
    ),
]


@pytest.mark.parametrize(
    ("check", "view", "config", "reason"),
    [row[1:] for row in REASONS],
    ids=[row[0] for row in REASONS],
)
def test_the_why_of_decide_names_the_user_and_the_time(
    check: Check, view: TicketView, config: RulesConfig, reason: str
) -> None:
    verdict = judge(check, view, config, at(71))
    assert verdict.reason == reason
    assert str(view.audits[-1].id) not in verdict.reason


def test_the_hand_back_note_shows_its_times_in_the_business_hours_zone() -> None:
    view = handed_to_partner(when=at(hours=1)).view()
    (decision,) = decide([view], DUTCH_TIME, at(hours=4))
    note = decision.actions[1]
    assert isinstance(note, AddNote)
    assert "(since 2025-01-06 11:00 CET, assigned by Anna ISPnext)" in note.body
