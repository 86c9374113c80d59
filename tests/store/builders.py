"""Small builders of mirror records for the store tests: sensible defaults, override what
a test is about. ``raw`` is shaped like Zendesk's JSON so round-trips are realistic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync.records import (
    AuditRecord,
    CustomStatusRecord,
    Directory,
    EventRecord,
    GroupRecord,
    MembershipRecord,
    OrganizationRecord,
    TicketFieldRecord,
    TicketRecord,
    UserRecord,
)

T0 = datetime(2025, 3, 3, 8, 0, 0, 123456, tzinfo=UTC)


def ticket(
    ticket_id: int,
    *,
    status: str = "open",
    group_id: int | None = 100,
    organization_id: int | None = 500,
    subject: str | None = None,
    updated: timedelta = timedelta(0),
    generated_timestamp: int | None = None,
    tags: tuple[str, ...] = ("partner",),
    system: str | None = "Billing",
    answer: bool = False,
) -> TicketRecord:
    """A ticket as the export sends it, or (``answer``) as any other answer does: without
    ``generated_timestamp``."""
    updated_at = T0 + updated
    subject = subject if subject is not None else f"Ticket {ticket_id}"
    raw: dict[str, Any] = {
        "id": ticket_id,
        "status": status,
        "subject": subject,
        "group_id": group_id,
        "tags": list(tags),
        "custom_fields": [{"id": 9001, "value": system}],
        "updated_at": updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
    }
    return TicketRecord(
        id=ticket_id,
        status=status,
        group_id=group_id,
        assignee_id=7001,
        requester_id=8001,
        organization_id=organization_id,
        custom_status_id=None,
        subject=subject,
        system=system,
        tags=tags,
        created_at=T0 - timedelta(days=1),
        updated_at=updated_at,
        generated_timestamp=None if answer else generated_timestamp or int(updated_at.timestamp()),
        raw=raw,
    )


def audit(
    audit_id: int, ticket_id: int, *, at: timedelta = timedelta(0), events: int = 2
) -> AuditRecord:
    """An audit with a status change and, from two events on, an internal note."""
    built = [
        EventRecord(
            id=audit_id * 10,
            audit_id=audit_id,
            ticket_id=ticket_id,
            position=0,
            type="Change",
            field_name="status",
            value="pending",
            previous_value="open",
        )
    ]
    if events >= 2:
        built.append(
            EventRecord(
                id=audit_id * 10 + 1,
                audit_id=audit_id,
                ticket_id=ticket_id,
                position=1,
                type="Comment",
                public=False,
                author_id=7001,
                body="Looked into it.",
            )
        )
    return AuditRecord(
        id=audit_id,
        ticket_id=ticket_id,
        author_id=7001,
        created_at=T0 + at,
        via_channel="web",
        events=tuple(built),
        raw={"id": audit_id, "ticket_id": ticket_id, "via": {"channel": "web"}, "events": []},
    )


def user(user_id: int, *, role: str = "agent", role_type: int | None = 0) -> UserRecord:
    return UserRecord(
        id=user_id,
        name=f"User {user_id}",
        email=f"user{user_id}@example.com",
        role=role,
        role_type=role_type,
        active=True,
        suspended=False,
        organization_id=None,
        default_group_id=100,
        raw={"id": user_id, "role": role, "role_type": role_type, "user_fields": {}},
    )


def directory(*user_ids: int) -> Directory:
    """A small account: two groups, one organization, the given users in group 100."""
    return Directory(
        users=tuple(user(i) for i in user_ids),
        groups=(GroupRecord(100, "Partner A"), GroupRecord(200, "ISPnext", deleted=False)),
        memberships=tuple(MembershipRecord(i * 3, i, 100, default=True) for i in user_ids),
        organizations=(OrganizationRecord(500, "Acme Housing"),),
        ticket_fields=(
            TicketFieldRecord(
                id=9001,
                title="System",
                raw_title="System",
                type="tagger",
                active=True,
                raw={"id": 9001, "title": "System", "custom_field_options": []},
            ),
        ),
        custom_statuses=(
            CustomStatusRecord(
                id=61, status_category="open", agent_label="Open", active=True, default=True
            ),
        ),
    )
