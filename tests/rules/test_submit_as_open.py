"""Submit as Open: partner status changes go back to Open, others are left alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules.actions import AddNote, SetStatus
from rules.config import SubmitAsOpenConfig
from rules.engine import decide
from rules.model import Value
from rules.submit_as_open import submit_as_open
from tests.rules.builders import (
    ACME,
    ADMIN,
    ANNA,
    BOB,
    CONFIG,
    HOLD_CS,
    IN_PROGRESS_CS,
    LIZ,
    OPEN_CS,
    PENDING_PARTNER_CS,
    PIET,
    REQUESTER,
    STRANGER,
    WAITING_CS,
    WORKER,
    Ticket,
    at,
    judge,
)


def partner_ticket(*, custom: bool = False, tags: tuple[str, ...] = ()) -> Ticket:
    """Open in Acme's group, assigned to Piet by Anna."""
    return Ticket(
        by=ANNA,
        group=ACME,
        assignee=PIET,
        status="open",
        custom_status=OPEN_CS if custom else None,
        tags=tags,
    )


WHO = [
    # (case, author, new status, reverted)
    ("full partner agent sets pending", PIET, "pending", True),
    ("light partner agent sets solved", LIZ, "solved", True),
    ("partner agent of another group sets hold", BOB, "hold", True),
    ("ISPnext agent sets pending", ANNA, "pending", False),
    ("ISPnext admin who is also in the partner group", ADMIN, "pending", False),
    ("the worker itself", WORKER, "pending", False),
    ("the requester", REQUESTER, "solved", False),
    ("someone unknown", STRANGER, "hold", False),
    ("no author", None, "hold", False),
]


@pytest.mark.parametrize(
    ("author", "status", "reverted"), [row[1:] for row in WHO], ids=[row[0] for row in WHO]
)
def test_who_changed_the_status(author: int | None, status: str, reverted: bool) -> None:
    view = partner_ticket().update(author, at(10), status=status).view()
    verdict = judge(submit_as_open, view, CONFIG, at(11))
    assert verdict.fired is reverted
    if reverted:
        (decision,) = verdict.decisions
        assert decision.actions[0] == SetStatus("open")
        assert decision.key == f"submit_as_open:4001:audit-{view.audits[-1].id}"
        assert decision.facts["light_agent"] is (author == LIZ)


def test_note_names_the_change() -> None:
    view = partner_ticket().update(PIET, at(10), status="pending").view()
    (decision,) = decide([view], CONFIG, at(11))
    note = decision.actions[1]
    assert isinstance(note, AddNote)
    for words in ("Piet Acme", "Acme IT", "from Open to Pending", "status_change_allowed"):
        assert words in note.body


STATUS_HISTORY: list[tuple[str, list[tuple[int, dict[str, Value]]], bool]] = [
    ("partner sets Open again", [(ANNA, {"status": "pending"}), (PIET, {"status": "open"})], False),
    (
        "ISPnext overrides the partner",
        [(PIET, {"status": "pending"}), (ANNA, {"status": "hold"})],
        False,
    ),
    ("a later comment does not hide the change", [(PIET, {"status": "pending"}), (ANNA, {})], True),
    (
        "two partner changes: the last counts",
        [(PIET, {"status": "pending"}), (LIZ, {"status": "hold"})],
        True,
    ),
    ("partner comment only", [(PIET, {})], False),
    (
        "the worker reverted it",
        [(PIET, {"status": "pending"}), (WORKER, {"status": "open"})],
        False,
    ),
]


@pytest.mark.parametrize(
    ("history", "reverted"),
    [row[1:] for row in STATUS_HISTORY],
    ids=[row[0] for row in STATUS_HISTORY],
)
def test_only_the_last_status_change_counts(
    history: list[tuple[int, dict[str, Value]]], reverted: bool
) -> None:
    ticket = partner_ticket()
    for minute, (author, changes) in enumerate(history, start=1):
        ticket.change(author, at(minute), changes, comment="update")
    assert judge(submit_as_open, ticket.view(), CONFIG, at(30)).fired is reverted


CUSTOM = [
    # (case, (status, custom status) set by Piet, reverted)
    ("Open to In progress: still Open", ("open", IN_PROGRESS_CS), False),
    ("Open to Pending partner", ("pending", PENDING_PARTNER_CS), True),
    ("Open to On hold", ("hold", HOLD_CS), True),
]


@pytest.mark.parametrize(
    ("change", "reverted"), [row[1:] for row in CUSTOM], ids=[row[0] for row in CUSTOM]
)
def test_custom_statuses_are_judged_by_category(change: tuple[str, int], reverted: bool) -> None:
    status, custom = change
    ticket = partner_ticket(custom=True)
    view = ticket.update(PIET, at(10), status=status, custom_status_id=custom).view()
    verdict = judge(submit_as_open, view, CONFIG, at(11))
    assert verdict.fired is reverted
    if reverted:
        assert verdict.facts["old_status"] == "Open"
        assert verdict.facts["new_status"] != "Open"


def test_custom_status_change_within_a_category_has_no_status_event() -> None:
    ticket = partner_ticket(custom=True)
    ticket.update(ANNA, at(5), status="pending", custom_status_id=WAITING_CS)
    view = ticket.update(PIET, at(10), custom_status_id=PENDING_PARTNER_CS).view()
    assert [e.field for e in view.audits[-1].events] == ["custom_status_id"]  # type: ignore[union-attr]
    verdict = judge(submit_as_open, view, CONFIG, at(11))
    assert verdict.fired
    assert "from Waiting on customer to Pending partner" in verdict.decisions[0].actions[1].body  # type: ignore[union-attr]


def test_open_custom_status_from_config() -> None:
    config = replace(CONFIG, submit_as_open=SubmitAsOpenConfig(open_custom_status_id=OPEN_CS))
    view = (
        partner_ticket(custom=True)
        .update(PIET, at(10), status="hold", custom_status_id=HOLD_CS)
        .view()
    )
    (decision,) = decide([view], config, at(11))
    assert decision.actions[0] == SetStatus("open", OPEN_CS)


EXCEPTIONS = [
    ("exemption tag: instructed otherwise", ("status_change_allowed",), "open", False),
    ("other tags do not exempt", ("vip",), "open", True),
    ("closed tickets cannot be changed", (), "closed", False),
    ("deleted tickets are left alone", (), "deleted", False),
]


@pytest.mark.parametrize(
    ("tags", "final", "reverted"),
    [row[1:] for row in EXCEPTIONS],
    ids=[row[0] for row in EXCEPTIONS],
)
def test_exceptions(tags: tuple[str, ...], final: str, reverted: bool) -> None:
    ticket = partner_ticket(tags=tags).update(PIET, at(10), status="solved")
    if final != "open":
        ticket.set(status=final)
    assert judge(submit_as_open, ticket.view(), CONFIG, at(11)).fired is reverted


def test_a_trigger_changing_the_status_in_a_partner_update() -> None:
    view = (
        partner_ticket()
        .update(PIET, at(10), comment="reply", public=True, via="rule", status="pending")
        .view()
    )
    verdict = judge(submit_as_open, view, CONFIG, at(11))
    assert not verdict.fired and "trigger" in verdict.reason


def test_status_set_at_creation_is_not_a_change() -> None:
    view = Ticket(by=PIET, group=ACME, status="pending").view()
    verdict = judge(submit_as_open, view, CONFIG, at(11))
    assert not verdict.fired and "no status change" in verdict.reason


def test_partner_of_a_group_other_than_the_tickets() -> None:
    view = partner_ticket().update(BOB, at(10), status="pending").view()
    (decision,) = decide([view], CONFIG, at(11))
    assert "Beta Networks" in decision.actions[1].body  # type: ignore[union-attr]
    assert decision.facts["changed_by"] == BOB
