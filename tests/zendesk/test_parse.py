"""Zendesk JSON -> records: good records parse, malformed ones name themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.zendesk.parse import (
    BadRecord,
    parse_audit,
    parse_custom_status,
    parse_event,
    parse_job_status,
    parse_membership,
    parse_ticket,
    parse_ticket_field,
    parse_user,
)


def ticket(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": 41,
        "status": "open",
        "subject": "VoIP drops",
        "group_id": 200,
        "assignee_id": 7,
        "requester_id": 9,
        "organization_id": 3,
        "custom_status_id": 11,
        "tags": ["voip"],
        "custom_fields": [{"id": 5, "value": "crm"}, {"id": 6, "value": None}],
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-21T10:30:00Z",
        "generated_timestamp": 1763721000,
    }
    raw.update(overrides)
    return raw


def test_a_ticket_parses_into_typed_fields_keeping_the_raw_json() -> None:
    raw = ticket()
    record = parse_ticket(raw, system_field_id=5)
    assert (record.id, record.status, record.group_id, record.system) == (41, "open", 200, "crm")
    assert record.updated_at == datetime(2026, 11, 21, 10, 30, tzinfo=UTC)
    assert record.tags == ("voip",)
    assert record.raw is raw


def test_a_ticket_without_generated_timestamp_is_read() -> None:
    """Only the export sends it; show, show_many, update and create answers have none."""
    raw = {k: v for k, v in ticket().items() if k != "generated_timestamp"}
    record = parse_ticket(raw, system_field_id=None)
    assert (record.id, record.generated_timestamp) == (41, None)
    assert parse_ticket(ticket(), system_field_id=None).generated_timestamp == 1763721000


def test_a_missing_key_is_named_as_missing() -> None:
    """Not "unknown status None" (issue 8, defect 6)."""
    raw = {k: v for k, v in ticket().items() if k != "status"}
    with pytest.raises(BadRecord) as caught:
        parse_ticket(raw, system_field_id=None)
    assert str(caught.value) == "ticket 41: missing 'status'"
    assert caught.value.reason == "missing 'status'"
    with pytest.raises(BadRecord) as caught:
        parse_ticket(ticket(status=None), system_field_id=None)
    assert str(caught.value) == "ticket 41: 'status' is null"


def without(raw: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k != key}


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda: parse_ticket(without(ticket(), "updated_at"), None),
         "ticket 41: missing 'updated_at'"),
        (lambda: parse_ticket(without(ticket(), "id"), None), "ticket (no id): missing 'id'"),
        (lambda: parse_audit(without(audit([]), "events"), 41),
         "audit 900: missing 'events'"),
        (lambda: parse_audit(without(audit([]), "created_at"), 41),
         "audit 900: missing 'created_at'"),
        (lambda: parse_event({"id": 3, "value": "x"}, 900, 41, 0),
         "event 3: missing 'type' (audit 900)"),
        (lambda: parse_membership({"id": 8, "user_id": 5}),
         "group membership 8: missing 'group_id'"),
        (lambda: parse_membership({"id": 8, "user_id": "five", "group_id": 2}),
         "group membership 8: 'user_id' is 'five', expected an integer"),
        (lambda: parse_custom_status({"id": 4, "agent_label": "Waiting"}),
         "custom status 4: missing 'status_category'"),
        (lambda: parse_ticket_field({"id": 6, "type": "integer", "title": None}),
         "ticket field 6: 'title' is null"),
        (lambda: parse_job_status({"id": "V3-1"}), "job status V3-1: missing 'status'"),
        (lambda: parse_job_status({"status": "queued"}), "job status (no id): missing 'id'"),
    ],
)  # fmt: skip
def test_every_parser_names_the_missing_key(read: Any, message: str) -> None:
    with pytest.raises(BadRecord) as caught:
        read()
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"id": None}, "'id' is null"),
        ({"id": "41"}, "'id' is '41', expected an integer"),
        ({"status": "archived"}, "unknown status 'archived'"),
        ({"updated_at": None}, "'updated_at' is null"),
        ({"created_at": "yesterday"}, "not an ISO-8601 time"),
        ({"created_at": "2026-11-20T09:00:00"}, "has no time zone"),
        ({"generated_timestamp": "soon"}, "generated_timestamp"),
        ({"tags": "voip"}, "tags"),
        ({"group_id": "abc"}, "'group_id' is 'abc', expected an id"),
    ],
)
def test_malformed_tickets_are_refused_with_their_id(
    overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BadRecord) as caught:
        parse_ticket(ticket(**overrides), system_field_id=None)
    assert reason in str(caught.value)
    assert caught.value.record_id == overrides.get("id", 41)


def test_a_ticket_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(BadRecord, match="expected an object"):
        parse_ticket(["not", "a", "ticket"], system_field_id=None)


def audit(events: list[Any]) -> dict[str, Any]:
    return {
        "id": 900,
        "ticket_id": 41,
        "author_id": 7,
        "created_at": "2026-11-21T10:30:00Z",
        "via": {"channel": "web"},
        "events": events,
    }


def test_audit_events_keep_zendesk_values_and_unknown_types_are_skipped() -> None:
    record, skipped = parse_audit(
        audit(
            [
                {"id": 1, "type": "Change", "field_name": "group_id", "value": "300",
                 "previous_value": "200"},
                {"id": 2, "type": "Comment", "author_id": 7, "body": "note", "public": False},
                {"id": 3, "type": "Teleport", "value": "x"},
                {"id": 4, "type": "Change", "field_name": "tags", "value": ["a", "b"],
                 "previous_value": None},
            ]
        ),
        ticket_id=41,
    )  # fmt: skip
    assert [e.id for e in record.events] == [1, 2, 4]
    assert [e.position for e in record.events] == [0, 1, 3]
    change, comment, tags = record.events
    assert (change.value, change.previous_value) == ("300", "200")
    assert (comment.public, comment.author_id, comment.body) == (False, 7, "note")
    assert tags.value == ["a", "b"]
    assert record.via_channel == "web"
    assert len(skipped) == 1 and "unknown event type 'Teleport'" in skipped[0]


def test_an_audit_without_events_is_refused() -> None:
    with pytest.raises(BadRecord, match="events"):
        parse_audit({**audit([]), "events": None}, ticket_id=41)


def test_users_know_light_agents() -> None:
    light = parse_user({"id": 5, "name": "Lia", "role": "agent", "role_type": 1})
    full = parse_user({"id": 6, "name": "Fay", "role": "agent", "role_type": 0})
    assert light.is_light_agent and not full.is_light_agent
    with pytest.raises(BadRecord, match="unknown role"):
        parse_user({"id": 7, "name": "X", "role": "overlord"})


@pytest.mark.parametrize(
    ("role_type", "role"),
    [(None, "end-user"), (0, "agent"), (1, "agent"), (3, "agent"), (4, "admin"), (5, "admin")],
)
def test_a_user_without_a_role_is_what_its_role_type_says(role_type: int | None, role: str) -> None:
    # An agent answered without its role must not be stored as an end user (the store
    # then keeps it among the agents, and a light agent stays one).
    user = parse_user({"id": 8, "name": "Ann", "role_type": role_type})
    assert (user.role, user.role_type) == (role, role_type)


def test_custom_statuses_need_a_known_category() -> None:
    status = parse_custom_status({"id": 3, "status_category": "hold", "agent_label": "Waiting"})
    assert (status.status_category, status.agent_label) == ("hold", "Waiting")
    with pytest.raises(BadRecord, match="status_category"):
        parse_custom_status({"id": 4, "status_category": "limbo"})
