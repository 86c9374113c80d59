"""Actions: frozen, comparable, JSON round trip, and clear errors for bad data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rules.actions import (
    Action,
    AddNote,
    AddTags,
    Assign,
    CreateFollowUp,
    RemoveTags,
    SetStatus,
    action_from_dict,
)

EVERY_KIND: list[Action] = [
    Assign(10, 101),
    Assign(10, None),
    Assign(None, 101),
    SetStatus("open"),
    SetStatus("open", 7001),
    AddNote("[zdsync] a note"),
    AddTags(("b", "a", "a")),
    RemoveTags(("x",)),
    CreateFollowUp(4001, "change_request", "CR", "body", 10, "see #{new_ticket}", ("t",)),
]


@pytest.mark.parametrize("action", EVERY_KIND, ids=repr)
def test_json_round_trip(action: Action) -> None:
    data = json.loads(json.dumps(action.to_dict()))
    assert data["type"] == action.type
    assert action_from_dict(data) == action
    assert hash(action_from_dict(data)) == hash(action)


def test_tags_are_a_sorted_set() -> None:
    assert AddTags(("b", "a", "a")) == AddTags(("a", "b"))
    assert AddTags(("b", "a")).to_dict() == {"type": "add_tags", "tags": ["a", "b"]}


def test_actions_are_frozen() -> None:
    with pytest.raises(AttributeError):
        AddNote("x").body = "y"  # type: ignore[misc]


def test_follow_up_note_gets_the_new_ticket_number() -> None:
    create = EVERY_KIND[-1]
    assert isinstance(create, CreateFollowUp)
    assert create.note_for(9001) == "see #9001"


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown type", {"type": "teleport"}, "unknown action type 'teleport'"),
    ("no type", {"body": "x"}, "unknown action type None"),
    ("assign nothing", {"type": "assign"}, "needs a group_id, an assignee_id or both"),
    ("id as text", {"type": "assign", "group_id": "10"}, "assign.group_id: expected int | None"),
    ("id as bool", {"type": "assign", "group_id": True}, "assign.group_id"),
    (
        "closed is not settable",
        {"type": "set_status", "status": "closed"},
        "'closed' is not one of",
    ),
    ("missing field", {"type": "add_note"}, "add_note: .*body"),
    (
        "extra field",
        {"type": "add_note", "body": "x", "public": True},
        r"unknown field\(s\) \['public'\]",
    ),
    ("empty tags", {"type": "add_tags", "tags": []}, "at least one tag"),
    ("tag with a space", {"type": "remove_tags", "tags": ["a b"]}, "'a b' is not a Zendesk tag"),
    (
        "tags as text",
        {"type": "add_tags", "tags": "a"},
        r"add_tags.tags: expected tuple\[str, ...\]",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_actions(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        action_from_dict(data)
