"""Conversions between the mirror records of ``sync.records`` and table rows.

Plain functions on plain dicts: the store writes with bulk Core statements, so rows are
built once per record and never pass through an ORM unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sync.records import (
    AuditRecord,
    CustomStatusRecord,
    EventRecord,
    GroupRecord,
    MembershipRecord,
    OrganizationRecord,
    TicketFieldRecord,
    TicketRecord,
    UserRecord,
)

Row = dict[str, Any]


def ticket_row(ticket: TicketRecord, *, mirrored_at: datetime, changed_seq: int) -> Row:
    return {
        "id": ticket.id,
        "status": ticket.status,
        "group_id": ticket.group_id,
        "assignee_id": ticket.assignee_id,
        "requester_id": ticket.requester_id,
        "organization_id": ticket.organization_id,
        "custom_status_id": ticket.custom_status_id,
        "subject": ticket.subject,
        "system": ticket.system,
        "tags": list(ticket.tags),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "generated_timestamp": ticket.generated_timestamp,
        "raw": ticket.raw,
        "mirrored_at": mirrored_at,
        "changed_seq": changed_seq,
    }


def ticket_record(row: Mapping[Any, Any]) -> TicketRecord:
    return TicketRecord(
        id=row["id"],
        status=row["status"],
        group_id=row["group_id"],
        assignee_id=row["assignee_id"],
        requester_id=row["requester_id"],
        organization_id=row["organization_id"],
        custom_status_id=row["custom_status_id"],
        subject=row["subject"],
        system=row["system"],
        tags=tuple(row["tags"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        generated_timestamp=row["generated_timestamp"],
        raw=row["raw"],
    )


def audit_row(audit: AuditRecord) -> Row:
    return {
        "id": audit.id,
        "ticket_id": audit.ticket_id,
        "author_id": audit.author_id,
        "created_at": audit.created_at,
        "via_channel": audit.via_channel,
        "raw": audit.raw,
    }


def event_row(event: EventRecord) -> Row:
    return {
        "id": event.id,
        "audit_id": event.audit_id,
        "ticket_id": event.ticket_id,
        "position": event.position,
        "type": event.type,
        "field_name": event.field_name,
        "value": event.value,
        "previous_value": event.previous_value,
        "public": event.public,
        "author_id": event.author_id,
        "body": event.body,
    }


def audit_record(row: Mapping[Any, Any], events: Sequence[Mapping[Any, Any]]) -> AuditRecord:
    return AuditRecord(
        id=row["id"],
        ticket_id=row["ticket_id"],
        author_id=row["author_id"],
        created_at=row["created_at"],
        via_channel=row["via_channel"],
        events=tuple(EventRecord(**event) for event in events),
        raw=row["raw"],
    )


def user_row(user: UserRecord) -> Row:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "role_type": user.role_type,
        "active": user.active,
        "suspended": user.suspended,
        "organization_id": user.organization_id,
        "default_group_id": user.default_group_id,
        "raw": user.raw,
    }


def user_record(row: Mapping[Any, Any]) -> UserRecord:
    return UserRecord(**row)


def group_row(group: GroupRecord) -> Row:
    return {"id": group.id, "name": group.name, "deleted": group.deleted}


def membership_row(membership: MembershipRecord) -> Row:
    return {
        "id": membership.id,
        "user_id": membership.user_id,
        "group_id": membership.group_id,
        "default": membership.default,
    }


def organization_row(organization: OrganizationRecord) -> Row:
    return {"id": organization.id, "name": organization.name}


def ticket_field_row(field: TicketFieldRecord) -> Row:
    return {
        "id": field.id,
        "title": field.title,
        "raw_title": field.raw_title,
        "type": field.type,
        "active": field.active,
        "raw": field.raw,
    }


def custom_status_row(status: CustomStatusRecord) -> Row:
    return {
        "id": status.id,
        "status_category": status.status_category,
        "agent_label": status.agent_label,
        "active": status.active,
        "default": status.default,
    }
