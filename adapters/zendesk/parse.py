"""Zendesk JSON -> mirror records. Anything malformed raises ``BadRecord`` naming the record.

Callers log a BadRecord with its id and skip that record only; the rest of the page goes on.
The ticket parser is on the export's hot path (every exported ticket passes through it), so
it reads the dict directly instead of going through zenpy objects: see bench/export.py
for the figures behind that choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sync.records import (
    TICKET_STATUSES,
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

#: Audit event types of Zendesk's audit events reference. Unknown types are logged and
#: skipped (the audit itself is kept).
KNOWN_EVENT_TYPES = frozenset(
    {
        "Create", "Change", "Comment", "VoiceComment", "CommentPrivacyChange",
        "CommentRedactionEvent", "AttachmentRedactionEvent", "Notification",
        "NotificationWithCcs", "OrganizationActivity", "Cc", "FollowerChange",
        "EmailCcChange", "FollowerNotification", "Error", "External",
        "FacebookEvent", "FacebookComment", "LogMeInTranscript", "Push",
        "SatisfactionRating", "TicketSharingEvent", "Tweet", "SMS",
        "AgentMacroReference", "ChatStartedEvent", "ChatEndedEvent",
        "ChannelBackEvent", "ChannelBackFailedEvent", "TranslatableError",
        "TicketMerge", "AssociateAttValsEvent", "MacroReference",
        "UserCustomFieldEvent", "AuditEvent",
    }
)  # fmt: skip

CUSTOM_STATUS_CATEGORIES = frozenset({"new", "open", "pending", "hold", "solved"})


class BadRecord(ValueError):
    """A record Zendesk sent that cannot be used; ``record_id`` names it when it has one."""

    def __init__(self, kind: str, record_id: Any, reason: str) -> None:
        super().__init__(f"{kind} {record_id if record_id is not None else '(no id)'}: {reason}")
        self.kind = kind
        self.record_id = record_id
        self.reason = reason


def timestamp(value: Any, kind: str, record_id: Any, key: str) -> datetime:
    if not isinstance(value, str):
        raise BadRecord(kind, record_id, f"{key} is {value!r}, expected an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(kind, record_id, f"{key} {value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise BadRecord(kind, record_id, f"{key} {value!r} has no time zone")
    return parsed


def record_id(raw: Any, kind: str) -> int:
    if not isinstance(raw, Mapping):
        raise BadRecord(kind, None, f"expected an object, got {type(raw).__name__}")
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(kind, value, "missing or non-integer id")
    return value


def optional_id(value: Any) -> int | None:
    """Ids arrive as numbers on objects and as strings in audit events."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an id: {value!r}")
    return int(value)


def parse_ticket(raw: Any, system_field_id: int | None) -> TicketRecord:
    ticket_id = record_id(raw, "ticket")
    status = raw.get("status")
    if status not in TICKET_STATUSES:
        raise BadRecord("ticket", ticket_id, f"unknown status {status!r}")
    generated = raw.get("generated_timestamp")
    if isinstance(generated, bool) or not isinstance(generated, int | float):
        raise BadRecord("ticket", ticket_id, f"generated_timestamp is {generated!r}")
    tags = raw.get("tags") or ()
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise BadRecord("ticket", ticket_id, f"tags is {tags!r}, expected a list of texts")
    try:
        return TicketRecord(
            id=ticket_id,
            status=status,
            group_id=optional_id(raw.get("group_id")),
            assignee_id=optional_id(raw.get("assignee_id")),
            requester_id=optional_id(raw.get("requester_id")),
            organization_id=optional_id(raw.get("organization_id")),
            custom_status_id=optional_id(raw.get("custom_status_id")),
            subject=_optional_text(raw.get("subject") or raw.get("raw_subject")),
            system=_field_value(raw.get("custom_fields"), system_field_id),
            tags=tuple(tags),
            created_at=timestamp(raw.get("created_at"), "ticket", ticket_id, "created_at"),
            updated_at=timestamp(raw.get("updated_at"), "ticket", ticket_id, "updated_at"),
            generated_timestamp=int(generated),
            raw=raw,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, BadRecord):
            raise
        raise BadRecord("ticket", ticket_id, str(exc)) from None


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _field_value(custom_fields: Any, field_id: int | None) -> str | None:
    if field_id is None or not isinstance(custom_fields, list):
        return None
    for entry in custom_fields:
        if isinstance(entry, Mapping) and entry.get("id") == field_id:
            value = entry.get("value")
            return None if value is None or value == "" else str(value)
    return None


def parse_audit(raw: Any, ticket_id: int) -> tuple[AuditRecord, list[str]]:
    """An audit and the reasons for the events it had to skip (unknown types, no id)."""
    audit_id = record_id(raw, "audit")
    events_raw = raw.get("events")
    if not isinstance(events_raw, list):
        raise BadRecord("audit", audit_id, "events is missing or not a list")
    via = raw.get("via")
    events: list[EventRecord] = []
    skipped: list[str] = []
    for position, event in enumerate(events_raw):
        try:
            events.append(parse_event(event, audit_id, ticket_id, position))
        except BadRecord as exc:
            skipped.append(str(exc))
    try:
        author_id = optional_id(raw.get("author_id"))
    except ValueError:
        raise BadRecord("audit", audit_id, f"author_id is {raw.get('author_id')!r}") from None
    audit = AuditRecord(
        id=audit_id,
        ticket_id=ticket_id,
        author_id=author_id,
        created_at=timestamp(raw.get("created_at"), "audit", audit_id, "created_at"),
        via_channel=via.get("channel") if isinstance(via, Mapping) else None,
        events=tuple(events),
        raw=raw,
    )
    return audit, skipped


def parse_event(raw: Any, audit_id: int, ticket_id: int, position: int) -> EventRecord:
    event_id = record_id(raw, "event")
    event_type = raw.get("type")
    if event_type not in KNOWN_EVENT_TYPES:
        raise BadRecord("event", event_id, f"unknown event type {event_type!r} (audit {audit_id})")
    public = raw.get("public")
    body = raw.get("body") if event_type in {"Comment", "VoiceComment"} else None
    try:
        author_id = optional_id(raw.get("author_id"))
    except ValueError:
        raise BadRecord("event", event_id, f"author_id is {raw.get('author_id')!r}") from None
    field_name = raw.get("field_name")
    return EventRecord(
        id=event_id,
        audit_id=audit_id,
        ticket_id=ticket_id,
        position=position,
        type=event_type,
        field_name=None if field_name is None else str(field_name),
        value=raw.get("value"),
        previous_value=raw.get("previous_value"),
        public=public if isinstance(public, bool) else None,
        author_id=author_id,
        body=body if isinstance(body, str) else None,
    )


def parse_user(raw: Any) -> UserRecord:
    user_id = record_id(raw, "user")
    role = raw.get("role")
    if role not in {"end-user", "agent", "admin"}:
        raise BadRecord("user", user_id, f"unknown role {role!r}")
    role_type = raw.get("role_type")
    if role_type is not None and (isinstance(role_type, bool) or not isinstance(role_type, int)):
        raise BadRecord("user", user_id, f"role_type is {role_type!r}")
    try:
        return UserRecord(
            id=user_id,
            name=str(raw.get("name") or f"user {user_id}"),
            email=_optional_text(raw.get("email")),
            role=role,
            role_type=role_type,
            active=raw.get("active") is not False,
            suspended=raw.get("suspended") is True,
            organization_id=optional_id(raw.get("organization_id")),
            default_group_id=optional_id(raw.get("default_group_id")),
            raw=raw,
        )
    except ValueError as exc:
        raise BadRecord("user", user_id, str(exc)) from None


def parse_group(raw: Any) -> GroupRecord:
    group_id = record_id(raw, "group")
    return GroupRecord(
        id=group_id, name=str(raw.get("name") or group_id), deleted=raw.get("deleted") is True
    )


def parse_membership(raw: Any) -> MembershipRecord:
    membership_id = record_id(raw, "group membership")
    try:
        user_id, group_id = int(raw["user_id"]), int(raw["group_id"])
    except (KeyError, TypeError, ValueError):
        raise BadRecord("group membership", membership_id, "user_id/group_id missing") from None
    return MembershipRecord(
        id=membership_id, user_id=user_id, group_id=group_id, default=raw.get("default") is True
    )


def parse_organization(raw: Any) -> OrganizationRecord:
    org_id = record_id(raw, "organization")
    return OrganizationRecord(id=org_id, name=str(raw.get("name") or org_id))


def parse_ticket_field(raw: Any) -> TicketFieldRecord:
    field_id = record_id(raw, "ticket field")
    title = raw.get("title")
    if not isinstance(title, str):
        raise BadRecord("ticket field", field_id, f"title is {title!r}")
    raw_title = raw.get("raw_title")
    return TicketFieldRecord(
        id=field_id,
        title=title,
        raw_title=raw_title if isinstance(raw_title, str) else None,
        type=str(raw.get("type") or "unknown"),
        active=raw.get("active") is not False,
        raw=raw,
    )


def parse_custom_status(raw: Any) -> CustomStatusRecord:
    status_id = record_id(raw, "custom status")
    category = raw.get("status_category")
    if category not in CUSTOM_STATUS_CATEGORIES:
        raise BadRecord("custom status", status_id, f"unknown status_category {category!r}")
    return CustomStatusRecord(
        id=status_id,
        status_category=category,
        agent_label=str(raw.get("agent_label") or category),
        active=raw.get("active") is not False,
        default=raw.get("default") is True,
    )
