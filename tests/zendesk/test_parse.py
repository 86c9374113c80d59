"""Zendesk JSON -> records: good records parse, malformed ones name themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.zendesk.parse import (
    BadRecord,
    parse_audit,
    parse_custom_status,
    parse_ticket,
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


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"id": None}, "missing or non-integer id"),
        ({"status": "archived"}, "unknown status 'archived'"),
        ({"updated_at": None}, "updated_at is None"),
        ({"created_at": "yesterday"}, "not an ISO-8601 time"),
        ({"created_at": "2026-11-20T09:00:00"}, "has no time zone"),
        ({"generated_timestamp": "soon"}, "generated_timestamp"),
        ({"tags": "voip"}, "tags"),
        ({"group_id": "abc"}, "invalid literal"),
    ],
)
def test_malformed_tickets_are_refused_with_their_id(
    overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BadRecord) as caught:
        parse_ticket(ticket(**overrides), system_field_id=None)
    assert reason in str(caught.value)
    if overrides.get("id", 41) is not None:
        assert caught.value.record_id == 41


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


def test_custom_statuses_need_a_known_category() -> None:
    status = parse_custom_status({"id": 3, "status_category": "hold", "agent_label": "Waiting"})
    assert (status.status_category, status.agent_label) == ("hold", "Waiting")
    with pytest.raises(BadRecord, match="status_category"):
        parse_custom_status({"id": 4, "status_category": "limbo"})
