"""Zendesk JSON -> mirror records. Anything malformed raises ``BadRecord`` naming the record
and the key that is missing or wrong.

Callers log a BadRecord with its id and skip that record only; the rest of the page goes on.
A parser demands only what it cannot do without (``ESSENTIAL``: each key's reason); every
other key the spec does not mark required may be absent or null, and reads as its default
(tests/zendesk/test_optional_keys.py drops each one from a valid record).
The ticket parser is on the export's hot path (every exported ticket passes through it), so
it reads the dict directly instead of going through zenpy objects: see bench/export.py
for the figures behind that choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
USER_ROLES = frozenset({"end-user", "agent", "admin"})
#: A user whose answer leaves out ``role`` counts as Zendesk's default role: it is never
#: assigned a ticket nor counted as staff by its role (its groups still say who it is)...
DEFAULT_ROLE = "end-user"
#: ...unless its ``role_type`` says what it is (null for end users; 4 admin, 5 billing
#: admin; 0-3 the agents' kinds: reference section 9).
ADMIN_ROLE_TYPES = frozenset({4, 5})


def _role_of(role_type: int | None) -> str:
    if role_type is None:
        return DEFAULT_ROLE
    return "admin" if role_type in ADMIN_ROLE_TYPES else "agent"


#: The keys each parser cannot do without, beyond those the spec itself marks required,
#: and why. The spec (zendesk-openapi.yaml) marks almost nothing required: these are the
#: exceptions, kept because a record without them cannot be used safely.
ESSENTIAL: dict[str, dict[str, str]] = {
    "ticket": {
        "id": "the mirror keeps a ticket by its id",
        "status": "the rules judge a ticket by its status",
        "updated_at": "a safe update sends it back, and it says which version is newer",
    },
    "audit": {
        "id": "the mirror keeps an audit by its id",
        "created_at": "the rules order audits and time their changes by it",
        "events": "the rules judge an audit by its events: read without them it would be "
        "kept as having none and never read again",
    },
    "event": {
        "id": "the mirror keeps an event by its id",
        "type": "an event without its type cannot be told apart",
    },
    "user": {"id": "the directory keeps a user by its id"},
    "group": {"id": "the directory keeps a group by its id"},
    "group membership": {"id": "the directory keeps a membership by its id"},
    "organization": {"id": "the directory keeps an organization by its id"},
    "ticket field": {"id": "tickets name a custom field by its id"},
    "custom status": {"id": "tickets name a custom status by its id"},
    "job status": {
        "id": "the job is polled and matched by its id",
        "status": "it says whether the job is done",
    },
}


class BadRecord(ValueError):
    """A record Zendesk sent that cannot be used; ``record_id`` names it when it has one."""

    def __init__(self, kind: str, record_id: Any, reason: str) -> None:
        super().__init__(f"{kind} {record_id if record_id is not None else '(no id)'}: {reason}")
        self.kind = kind
        self.record_id = record_id
        self.reason = reason


def timestamp(value: Any, kind: str, record_id: Any, key: str) -> datetime:
    if not isinstance(value, str):
        raise BadRecord(kind, record_id, f"{key!r} is {value!r}, expected an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(kind, record_id, f"{key!r} {value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        raise BadRecord(kind, record_id, f"{key!r} {value!r} has no time zone")
    return parsed


def required(raw: Mapping[str, Any], key: str, kind: str, record_id: Any) -> Any:
    """The value of a key the record cannot do without; its absence is named as such
    ("ticket 123: missing 'status'", not "unknown status None")."""
    if key not in raw:
        raise BadRecord(kind, record_id, f"missing {key!r}")
    value = raw[key]
    if value is None:
        raise BadRecord(kind, record_id, f"{key!r} is null")
    return value


def required_time(raw: Mapping[str, Any], key: str, kind: str, record_id: Any) -> datetime:
    return timestamp(required(raw, key, kind, record_id), kind, record_id, key)


def optional_time(raw: Mapping[str, Any], key: str, kind: str, record_id: Any) -> datetime | None:
    value = raw.get(key)
    return None if value is None else timestamp(value, kind, record_id, key)


def required_int(raw: Mapping[str, Any], key: str, kind: str, record_id: Any) -> int:
    value = required(raw, key, kind, record_id)
    try:
        number = optional_id(value)
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise BadRecord(kind, record_id, f"{key!r} is {value!r}, expected an integer")
    return number


def record_id(raw: Any, kind: str) -> int:
    if not isinstance(raw, Mapping):
        raise BadRecord(kind, None, f"expected an object, got {type(raw).__name__}")
    value: object = raw.get("id")
    if value is None:
        raise BadRecord(kind, None, "missing 'id'" if "id" not in raw else "'id' is null")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(kind, value, f"'id' is {value!r}, expected an integer")
    return value


def optional_id(value: Any) -> int | None:
    """Ids arrive as numbers on objects and as strings in audit events."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an id: {value!r}")
    return int(value)


def id_of(raw: Mapping[str, Any], key: str, kind: str, record_id: Any) -> int | None:
    """An optional id, named when it is not one."""
    value = raw.get(key)
    try:
        return optional_id(value)
    except (TypeError, ValueError):
        raise BadRecord(kind, record_id, f"{key!r} is {value!r}, expected an id") from None


def _flag(raw: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A boolean Zendesk may leave out or send as null: the default unless it says so."""
    value = raw.get(key)
    return value if isinstance(value, bool) else default


def parse_ticket(raw: Any, system_field_id: int | None) -> TicketRecord:
    ticket_id = record_id(raw, "ticket")
    status = required(raw, "status", "ticket", ticket_id)
    if status not in TICKET_STATUSES:
        raise BadRecord("ticket", ticket_id, f"unknown status {status!r}")
    # Only the incremental export sends it (reference notes, section 1).
    generated = raw.get("generated_timestamp")
    if generated is not None and (
        isinstance(generated, bool) or not isinstance(generated, int | float)
    ):
        raise BadRecord("ticket", ticket_id, f"'generated_timestamp' is {generated!r}")
    tags = raw.get("tags") or ()
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise BadRecord("ticket", ticket_id, f"'tags' is {tags!r}, expected a list of texts")
    updated_at = required_time(raw, "updated_at", "ticket", ticket_id)
    # Not required by the spec; without it, no earlier instant of the ticket is known.
    created_at = optional_time(raw, "created_at", "ticket", ticket_id) or updated_at
    return TicketRecord(
        id=ticket_id,
        status=status,
        group_id=id_of(raw, "group_id", "ticket", ticket_id),
        assignee_id=id_of(raw, "assignee_id", "ticket", ticket_id),
        requester_id=id_of(raw, "requester_id", "ticket", ticket_id),
        organization_id=id_of(raw, "organization_id", "ticket", ticket_id),
        custom_status_id=id_of(raw, "custom_status_id", "ticket", ticket_id),
        subject=_optional_text(raw.get("subject") or raw.get("raw_subject")),
        system=_field_value(raw.get("custom_fields"), system_field_id),
        tags=tuple(tags),
        created_at=created_at,
        updated_at=updated_at,
        generated_timestamp=None if generated is None else int(generated),
        raw=raw,
    )


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
    events_raw = required(raw, "events", "audit", audit_id)
    if not isinstance(events_raw, list):
        raise BadRecord("audit", audit_id, f"'events' is {events_raw!r:.80}, expected a list")
    created_at = required_time(raw, "created_at", "audit", audit_id)
    via = raw.get("via")
    events: list[EventRecord] = []
    skipped: list[str] = []
    for position, event in enumerate(events_raw):
        try:
            events.append(parse_event(event, audit_id, ticket_id, position))
        except BadRecord as exc:
            skipped.append(str(exc))
    audit = AuditRecord(
        id=audit_id,
        ticket_id=ticket_id,
        author_id=id_of(raw, "author_id", "audit", audit_id),
        created_at=created_at,
        via_channel=_optional_text(via.get("channel")) if isinstance(via, Mapping) else None,
        events=tuple(events),
        raw=raw,
    )
    return audit, skipped


def parse_event(raw: Any, audit_id: int, ticket_id: int, position: int) -> EventRecord:
    event_id = record_id(raw, "event")
    try:
        event_type = required(raw, "type", "event", event_id)
    except BadRecord as exc:
        raise BadRecord("event", event_id, f"{exc.reason} (audit {audit_id})") from None
    if event_type not in KNOWN_EVENT_TYPES:
        raise BadRecord("event", event_id, f"unknown event type {event_type!r} (audit {audit_id})")
    public = raw.get("public")
    body = raw.get("body") if event_type in {"Comment", "VoiceComment"} else None
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
        author_id=id_of(raw, "author_id", "event", event_id),
        body=body if isinstance(body, str) else None,
    )


def parse_user(raw: Any) -> UserRecord:
    user_id = record_id(raw, "user")
    role_type = raw.get("role_type")
    if role_type is not None and (isinstance(role_type, bool) or not isinstance(role_type, int)):
        raise BadRecord("user", user_id, f"'role_type' is {role_type!r}, expected an integer")
    role = raw.get("role")
    if role is None:
        role = _role_of(role_type)
    elif role not in USER_ROLES:
        raise BadRecord("user", user_id, f"unknown role {role!r}")
    return UserRecord(
        id=user_id,
        name=str(raw.get("name") or f"user {user_id}"),
        email=_optional_text(raw.get("email")),
        role=role,
        role_type=role_type,
        active=_flag(raw, "active", default=True),
        suspended=_flag(raw, "suspended", default=False),
        organization_id=id_of(raw, "organization_id", "user", user_id),
        default_group_id=id_of(raw, "default_group_id", "user", user_id),
        raw=raw,
    )


def parse_group(raw: Any) -> GroupRecord:
    group_id = record_id(raw, "group")
    return GroupRecord(
        id=group_id,
        name=str(raw.get("name") or f"group {group_id}"),
        deleted=_flag(raw, "deleted", default=False),
    )


def parse_membership(raw: Any) -> MembershipRecord:
    membership_id = record_id(raw, "group membership")
    return MembershipRecord(
        id=membership_id,
        user_id=required_int(raw, "user_id", "group membership", membership_id),
        group_id=required_int(raw, "group_id", "group membership", membership_id),
        default=_flag(raw, "default", default=False),
    )


def parse_organization(raw: Any) -> OrganizationRecord:
    org_id = record_id(raw, "organization")
    return OrganizationRecord(id=org_id, name=str(raw.get("name") or f"organization {org_id}"))


def parse_ticket_field(raw: Any) -> TicketFieldRecord:
    field_id = record_id(raw, "ticket field")
    title = required(raw, "title", "ticket field", field_id)
    if not isinstance(title, str):
        raise BadRecord("ticket field", field_id, f"'title' is {title!r}, expected a text")
    raw_title = raw.get("raw_title")
    return TicketFieldRecord(
        id=field_id,
        title=title,
        raw_title=raw_title if isinstance(raw_title, str) else None,
        type=str(raw.get("type") or "unknown"),
        active=_flag(raw, "active", default=True),
        raw=raw,
    )


def parse_custom_status(raw: Any) -> CustomStatusRecord:
    status_id = record_id(raw, "custom status")
    category = required(raw, "status_category", "custom status", status_id)
    if category not in CUSTOM_STATUS_CATEGORIES:
        raise BadRecord("custom status", status_id, f"unknown status_category {category!r}")
    return CustomStatusRecord(
        id=status_id,
        status_category=category,
        agent_label=str(raw.get("agent_label") or category),
        active=_flag(raw, "active", default=True),
        default=_flag(raw, "default", default=False),
    )


@dataclass(frozen=True, slots=True)
class JobStatus:
    """One job of ``update_many`` as ``job_statuses`` reports it (adapter-internal)."""

    id: str
    #: queued, working, completed, failed or killed.
    status: str
    message: str | None
    #: The per-ticket outcomes, as Zendesk sent them (a completed job's only).
    results: tuple[Mapping[str, Any], ...]

    @property
    def done(self) -> bool:
        return self.status in JOB_DONE


JOB_DONE = frozenset({"completed", "failed", "killed"})


def parse_job_status(raw: Any) -> JobStatus:
    if not isinstance(raw, Mapping):
        raise BadRecord("job status", None, f"expected an object, got {type(raw).__name__}")
    job_id = required(raw, "id", "job status", None)
    if not isinstance(job_id, str) or not job_id:
        raise BadRecord("job status", None, f"'id' is {job_id!r}, expected a text")
    status = required(raw, "status", "job status", job_id)
    if not isinstance(status, str):
        raise BadRecord("job status", job_id, f"'status' is {status!r}, expected a text")
    results = raw.get("results")
    return JobStatus(
        id=job_id,
        status=status,
        message=_optional_text(raw.get("message")),
        results=tuple(r for r in results if isinstance(r, Mapping))
        if isinstance(results, list)
        else (),
    )
