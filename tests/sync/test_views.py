"""Mirror records -> rules.model views: the directory, ticket fields from the raw JSON,
audits and their events as Zendesk sends them, and bad records skipped with their id."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rules.config import Account, Group
from rules.model import Comment, FieldChange, UserKind
from sync.decide.views import build_views, custom_field_values, rules_directory, ticket_view
from sync.records import (
    AuditRecord,
    CustomStatusRecord,
    Directory,
    EventRecord,
    MembershipRecord,
    TicketBundle,
    TicketRecord,
    UserRecord,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WORKER, ISPNEXT, ACME = 1, 100, 201
TOTAL, REQUEST_TYPE, PRODUCTS = 360002, 360004, 360005
ACCOUNT = Account(
    worker_id=WORKER,
    ispnext_groups=(Group(ISPNEXT, "ISPnext Support"),),
    partner_groups=(Group(ACME, "Acme Networks"),),
    total_time_field_id=TOTAL,
)


def user(user_id: int, role: str = "agent", role_type: int | None = 0, **kw: Any) -> UserRecord:
    return UserRecord(
        id=user_id,
        name=f"User {user_id}",
        email=None,
        role=role,
        role_type=role_type,
        active=kw.get("active", True),
        suspended=kw.get("suspended", False),
        organization_id=None,
        default_group_id=None,
        raw={"id": user_id},
    )


DIRECTORY = Directory(
    users=(
        user(WORKER, "admin", 4),
        user(11),
        user(21),
        user(22, role_type=1),
        user(23, suspended=True),
        user(601, "end-user", None),
    ),
    memberships=(
        MembershipRecord(1, WORKER, ISPNEXT),
        MembershipRecord(2, 11, ISPNEXT),
        MembershipRecord(3, 21, ACME),
        MembershipRecord(4, 22, ACME),
        MembershipRecord(5, 23, ACME),
        MembershipRecord(6, 11, 302),
    ),
    custom_statuses=(
        CustomStatusRecord(6, "open", "Waiting for partner", active=True, default=False),
        CustomStatusRecord(7, "pending", "Awaiting customer", active=False, default=False),
    ),
)


def ticket(ticket_id: int = 1001, **raw_changes: Any) -> TicketRecord:
    raw: dict[str, Any] = {
        "id": ticket_id,
        "status": "open",
        "custom_fields": [
            {"id": TOTAL, "value": "7800"},
            {"id": REQUEST_TYPE, "value": "request_change"},
            {"id": PRODUCTS, "value": ["mail", "dns"]},
            {"id": 360009, "value": None},
        ],
        **raw_changes,
    }
    return TicketRecord(
        id=ticket_id,
        status="open",
        group_id=ACME,
        assignee_id=21,
        requester_id=601,
        organization_id=None,
        custom_status_id=6,
        subject="Mail delayed",
        system="system_mail",
        tags=("vip", "change_request"),
        created_at=T0 - timedelta(days=1),
        updated_at=T0,
        generated_timestamp=int(T0.timestamp()),
        raw=raw,
    )


def event(event_id: int, audit_id: int, position: int, type_: str, **kw: Any) -> EventRecord:
    return EventRecord(
        id=event_id, audit_id=audit_id, ticket_id=1001, position=position, type=type_, **kw
    )


def audit(audit_id: int, *events: EventRecord, raw_events: Any = ()) -> AuditRecord:
    return AuditRecord(
        id=audit_id,
        ticket_id=1001,
        author_id=11,
        created_at=T0 - timedelta(hours=3),
        via_channel="web",
        events=events,
        raw={"id": audit_id, "events": list(raw_events)},
    )


def test_the_directory_gives_group_ids_from_memberships_and_kinds_from_the_account() -> None:
    directory = rules_directory(DIRECTORY, ACCOUNT)
    assert directory.users[11].group_ids == frozenset({ISPNEXT, 302})
    assert directory.users[601].group_ids == frozenset()
    kinds = {uid: directory.kind(uid) for uid in (WORKER, 11, 21, 22, 601)}
    assert kinds == {
        WORKER: UserKind.WORKER,
        11: UserKind.ISPNEXT,
        21: UserKind.PARTNER,
        22: UserKind.PARTNER,
        601: UserKind.OTHER,
    }
    assert directory.is_light_agent(22) and not directory.is_light_agent(21)
    assert directory.partner_group_of(22) == ACME
    assert not directory.users[23].active and not directory.users[23].assignable
    assert directory.status_label("pending", 7) == "Awaiting customer"
    assert directory.category("open", 6) == "open"


def test_a_ticket_view_takes_columns_and_custom_fields_from_the_record() -> None:
    view = ticket_view(TicketBundle(ticket(), ()), rules_directory(DIRECTORY, ACCOUNT))
    assert (view.id, view.status, view.group_id, view.assignee_id) == (1001, "open", ACME, 21)
    assert (view.custom_status_id, view.subject, view.category) == (6, "Mail delayed", "open")
    assert view.tags == frozenset({"vip", "change_request"})
    assert view.time_spent_total == 7800
    assert view.custom_fields == {
        TOTAL: "7800",
        REQUEST_TYPE: "request_change",
        PRODUCTS: ("mail", "dns"),
        360009: None,
    }
    assert (view.created_at, view.updated_at) == (T0 - timedelta(days=1), T0)


@pytest.mark.parametrize(
    ("account", "fields", "expected"),
    [
        (ACCOUNT, [{"id": TOTAL, "value": 3600}], 3600),
        (ACCOUNT, [{"id": TOTAL, "value": None}], None),
        (ACCOUNT, [], None),
        (Account(worker_id=WORKER), [{"id": TOTAL, "value": "60"}], None),
    ],
    ids=["number", "null", "absent", "field-unknown"],
)
def test_the_tracked_total_comes_from_the_configured_field(
    account: Account, fields: list[dict[str, Any]], expected: int | None
) -> None:
    bundle = TicketBundle(ticket(custom_fields=fields), ())
    assert ticket_view(bundle, rules_directory(DIRECTORY, account)).time_spent_total == expected


def test_audit_events_are_normalised_in_order_and_other_types_dropped() -> None:
    moved = audit(
        51,
        event(510, 51, 0, "Change", field_name="group_id", value="201", previous_value="100"),
        event(511, 51, 1, "Change", field_name="assignee_id", value="21", previous_value=None),
        event(512, 51, 2, "Notification", body="Mail to the partner"),
        event(513, 51, 3, "Comment", public=False, author_id=11, body="Please analyse."),
        event(514, 51, 4, "Change", field_name="tags", value=["b", "a"], previous_value=["a"]),
        event(515, 51, 5, "Change", field_name=str(TOTAL), value="900", previous_value="0"),
        event(516, 51, 6, "Create", field_name="status", value="open"),
    )
    view = ticket_view(TicketBundle(ticket(), (moved,)), rules_directory(DIRECTORY, ACCOUNT))
    (built,) = view.audits
    assert (built.id, built.author_id, built.created_at, built.via) == (
        51,
        11,
        T0 - timedelta(hours=3),
        "web",
    )
    assert built.events == (
        FieldChange("group_id", 100, ACME),
        FieldChange("assignee_id", None, 21),
        Comment(11, False, "Please analyse."),
        FieldChange("tags", ("a",), ("a", "b")),
        FieldChange(str(TOTAL), "0", "900"),
        FieldChange("status", None, "open"),
    )
    assert built.has_internal_note


def test_an_events_own_via_comes_from_the_raw_audit() -> None:
    by_trigger = audit(
        52,
        event(520, 52, 0, "Change", field_name="status", value="pending", previous_value="open"),
        event(521, 52, 1, "Comment", public=True, author_id=21, body="Done"),
        raw_events=[
            {"id": 520, "type": "Change", "via": {"channel": "rule", "source": {"rel": "trigger"}}},
            {"id": 521, "type": "Comment"},
            "not an event",
        ],
    )
    (built,) = ticket_view(
        TicketBundle(ticket(), (by_trigger,)), rules_directory(DIRECTORY, ACCOUNT)
    ).audits
    assert built.events == (
        FieldChange("status", "open", "pending", via="rule"),
        Comment(21, True, "Done"),
    )


@pytest.mark.parametrize(
    ("custom_fields", "problem"),
    [
        ({"id": 1}, "custom_fields is a dict, not a list"),
        ([{"value": "x"}], "not an {id, value} object"),
        (["x"], "not an {id, value} object"),
        ([{"id": True, "value": "x"}], "not an {id, value} object"),
    ],
)
def test_malformed_custom_fields_are_named(custom_fields: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("{", r"\{").replace("}", r"\}")):
        custom_field_values({"custom_fields": custom_fields})


def test_a_record_that_cannot_be_viewed_is_logged_with_its_id_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken_event = audit(
        53, event(530, 53, 0, "Change", field_name="group_id", value="Acme", previous_value="100")
    )
    bundles = [
        TicketBundle(ticket(1), ()),
        TicketBundle(ticket(2), (broken_event,)),
        TicketBundle(ticket(3, custom_fields="oops"), ()),
        TicketBundle(ticket(4), ()),
    ]
    with caplog.at_level(logging.WARNING, logger="sync.decide.views"):
        views, skipped = build_views(bundles, rules_directory(DIRECTORY, ACCOUNT))
    assert [v.id for v in views] == [1, 4]
    assert skipped == [2, 3]
    messages = [r.getMessage() for r in caplog.records]
    assert any("ticket 2" in m and "audit 53, event 530" in m and "group_id" in m for m in messages)
    assert any("ticket 3" in m and "custom_fields" in m for m in messages)
