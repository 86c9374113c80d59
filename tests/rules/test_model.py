"""The model: events normalised from Zendesk's JSON, the directory, partner episodes."""

from __future__ import annotations

from typing import Any

import pytest

from rules.episode import episode_start
from rules.model import (
    Comment,
    FieldChange,
    UserKind,
    Value,
    as_seconds,
    event_from_zendesk,
    normalise_value,
)
from tests.rules.builders import (
    ACME,
    ADMIN,
    ANNA,
    BETA,
    BOB,
    CUSTOM_STATUSES,
    DIRECTORY,
    HOLD_CS,
    ISA,
    ISPNEXT,
    LIZ,
    PIET,
    REQUESTER,
    STRANGER,
    TOTAL,
    WORKER,
    Ticket,
    at,
    handed_to_partner,
)

VALUES: list[tuple[str, Any, Value]] = [
    ("group_id", "6130869168922", 6130869168922),
    ("assignee_id", 101, 101),
    ("custom_status_id", 7001, 7001),
    ("group_id", None, None),
    ("assignee_id", "", None),
    ("tags", ["b", "a"], ("a", "b")),
    ("tags", "b a", ("a", "b")),
    ("tags", None, ()),
    ("status", "pending", "pending"),
    ("5001", "3600", "3600"),
    ("5001", 3600.0, "3600"),
    ("5004", ["x", "y"], ("x", "y")),
    ("5005", True, "true"),
]


@pytest.mark.parametrize(("field", "raw", "expected"), VALUES)
def test_values_are_normalised(field: str, raw: Any, expected: Value) -> None:
    assert normalise_value(field, raw) == expected


def test_an_unreadable_id_names_the_field() -> None:
    with pytest.raises(ValueError, match="field group_id: 'abc' is not an id"):
        normalise_value("group_id", "abc")


def test_events_as_zendesk_sends_them() -> None:
    change = event_from_zendesk("Change", field_name="group_id", value="20", previous_value="10")
    assert change == FieldChange("group_id", 10, 20)
    create = event_from_zendesk("Create", field_name="status", value="new")
    assert create == FieldChange("status", None, "new")
    comment = event_from_zendesk("Comment", public=False, author_id=201, body="analysis")
    assert comment == Comment(201, False, "analysis")
    trigger = event_from_zendesk(
        "Change", field_name="status", value="pending", previous_value="open", via="rule"
    )
    assert isinstance(trigger, FieldChange) and trigger.via == "rule"
    assert event_from_zendesk("Notification", value="mail") is None
    assert event_from_zendesk("Change") is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3600", 3600), (90, 90), ("12.0", 12), ("abc", None), ("nan", None), (None, None)],
)
def test_time_tracking_seconds(value: Value, seconds: int | None) -> None:
    assert as_seconds(value) == seconds


KINDS = [
    (ANNA, UserKind.ISPNEXT),
    (ISA, UserKind.ISPNEXT),
    (ADMIN, UserKind.ISPNEXT),  # in both: ISPnext wins
    (PIET, UserKind.PARTNER),
    (LIZ, UserKind.PARTNER),
    (BOB, UserKind.PARTNER),
    (WORKER, UserKind.WORKER),
    (REQUESTER, UserKind.OTHER),
    (STRANGER, UserKind.OTHER),
    (None, UserKind.OTHER),
]


@pytest.mark.parametrize(("user", "kind"), KINDS)
def test_directory_kinds(user: int | None, kind: UserKind) -> None:
    assert DIRECTORY.kind(user) is kind


def test_directory_details() -> None:
    assert DIRECTORY.partner_group_of(LIZ) == ACME and DIRECTORY.partner_group_of(BOB) == BETA
    assert DIRECTORY.partner_group_of(ANNA) is None
    assert DIRECTORY.is_light_agent(LIZ) and DIRECTORY.is_light_agent(ISA)
    assert not DIRECTORY.is_light_agent(PIET) and not DIRECTORY.is_light_agent(STRANGER)
    assert DIRECTORY.name(PIET) == "Piet Acme" and DIRECTORY.name(STRANGER) == "user #999"
    assert DIRECTORY.status_label("pending", None) == "Pending"
    assert DIRECTORY.status_label("hold", HOLD_CS) == "On hold"
    assert DIRECTORY.category("open", CUSTOM_STATUSES[2].id) == "pending"


def test_ticket_category() -> None:
    ticket = Ticket(status="open", custom_status=7001)
    assert ticket.view().category == "open"
    assert (
        ticket.update(PIET, at(1), status="pending", custom_status_id=7003).view().category
        == "pending"
    )
    assert ticket.set(status="deleted").view().category == "deleted"


def test_no_current_episode_once_handed_back() -> None:
    ticket = handed_to_partner().move(ISPNEXT, by=WORKER, when=at(120), assignee=ANNA)
    assert episode_start(ticket.view()) is None


def test_total_field_changes_are_read_as_seconds() -> None:
    view = handed_to_partner().track(60, by=PIET, when=at(1)).view()
    assert view.time_spent_total == 60
    assert view.audits[-1].change(str(TOTAL)) == FieldChange(str(TOTAL), None, "60")
