"""Tickets and audits as the emulator keeps them, and their JSON documents.

The documents follow ``TicketObject`` / ``TicketAuditObject`` of the official spec and
the shapes seen in real recordings (reference notes, sections 1, 3 and 4): ``fields``
mirrored next to ``custom_fields``, custom field values as strings, ``custom_status_id``
on every ticket, absolute ``url``. ``generated_timestamp`` is only in the incremental
export [rec]: the cached document has none and ``exported_bytes`` puts it in front. A
ticket's document is serialised once and cached until the ticket changes, which is what
lets the export serve 1,000-ticket pages fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from emulator.sparse import sparse

#: Statuses a ticket can be given; ``deleted`` only ever appears in the export.
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
BRAND_ID = 360000000001
TICKET_FORM_ID = 360000000002


def iso(timestamp: int) -> str:
    """Zendesk's time format: ISO-8601 UTC with second precision and a ``Z``."""
    # isoformat is several times faster than strftime, and this runs per ticket rendered.
    return datetime.fromtimestamp(timestamp, UTC).isoformat()[:19] + "Z"


@dataclass(slots=True, eq=False)
class Audit:
    """One update of a ticket; ``events`` are finished JSON objects."""

    id: int
    ticket_id: int
    created_at: int
    author_id: int
    via: dict[str, Any]
    metadata: dict[str, Any]
    events: list[dict[str, Any]]

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ticket_id": self.ticket_id,
            "created_at": iso(self.created_at),
            "author_id": self.author_id,
            "metadata": self.metadata,
            "via": self.via,
            "events": self.events,
        }


@dataclass(slots=True, eq=False)
class Ticket:
    """A ticket's current state. Times are unix seconds."""

    id: int
    subject: str
    description: str
    status: str
    custom_status_id: int | None
    priority: str | None
    type: str | None
    requester_id: int
    submitter_id: int
    assignee_id: int | None
    group_id: int | None
    organization_id: int | None
    tags: list[str]
    #: Custom field values by field id; only fields that were ever set.
    fields: dict[int, Any]
    created_at: int
    updated_at: int
    generated_timestamp: int
    via: dict[str, Any]
    due_at: str | None = None
    is_public: bool = True
    followup_ids: list[int] = field(default_factory=list)
    #: None until needed: the creation audit of an untouched generated ticket is made
    #: from the ticket itself on first request, which keeps 100k-ticket worlds small.
    audits: list[Audit] | None = None
    rendered: bytes | None = None

    @property
    def deleted(self) -> bool:
        return self.status == "deleted"


#: The part of every ticket document that the emulator never varies (no CCs, followers,
#: problems, satisfaction ratings or sharing agreements), serialised once.
CONSTANT_PART: dict[str, Any] = {
    "external_id": None,
    "recipient": None,
    "collaborator_ids": [],
    "follower_ids": [],
    "email_cc_ids": [],
    "forum_topic_id": None,
    "problem_id": None,
    "has_incidents": False,
    "satisfaction_rating": None,
    "sharing_agreement_ids": [],
    "ticket_form_id": TICKET_FORM_ID,
    "brand_id": BRAND_ID,
    "allow_channelback": False,
    "allow_attachments": True,
    "from_messaging_channel": False,
}
_CONSTANT_JSON = orjson.dumps(CONSTANT_PART)


def _varying_part(ticket: Ticket, base_url: str, field_ids: tuple[int, ...]) -> dict[str, Any]:
    custom = [{"id": fid, "value": ticket.fields.get(fid)} for fid in field_ids]
    document = {
        "url": f"{base_url}/api/v2/tickets/{ticket.id}.json",
        "id": ticket.id,
        "via": ticket.via,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "type": ticket.type,
        "subject": ticket.subject,
        "raw_subject": ticket.subject,
        "description": ticket.description,
        "priority": ticket.priority,
        "status": ticket.status,
        "requester_id": ticket.requester_id,
        "submitter_id": ticket.submitter_id,
        "assignee_id": ticket.assignee_id,
        "organization_id": ticket.organization_id,
        "group_id": ticket.group_id,
        "is_public": ticket.is_public,
        "due_at": ticket.due_at,
        "tags": ticket.tags,
        "custom_fields": custom,
        "custom_status_id": ticket.custom_status_id,
        "fields": custom,
        "followup_ids": ticket.followup_ids,
    }
    return sparse("ticket", document)


def ticket_bytes(ticket: Ticket, base_url: str, field_ids: tuple[int, ...]) -> bytes:
    """The ticket as the API shows it (``TicketObject``) outside the export, serialised and
    cached on the ticket until it changes."""
    if ticket.rendered is None:
        varying = orjson.dumps(_varying_part(ticket, base_url, field_ids))
        # One right-sized bytes object: orjson's own buffer is over-allocated and, kept
        # by the hundred thousand, costs several times the document's size in heap.
        ticket.rendered = b"".join((varying[:-1], b",", _CONSTANT_JSON[1:]))
    return ticket.rendered


def exported_bytes(ticket: Ticket, document: bytes) -> bytes:
    """The ticket as the incremental export shows it: its document (``ticket_bytes``) with
    the ``generated_timestamp`` that only the export carries [reference notes, section 1]."""
    return b'{"generated_timestamp":%d,' % ticket.generated_timestamp + document[1:]


def comment_documents(audits: list[Audit]) -> list[dict[str, Any]]:
    """``TicketCommentObject``s: the Comment events of the audits, oldest first."""
    comments = []
    for audit in audits:
        for event in audit.events:
            if event.get("type") == "Comment":
                comment = {k: v for k, v in event.items() if k != "type"}
                comment.update(
                    type="Comment",
                    created_at=iso(audit.created_at),
                    via=audit.via,
                    metadata={"system": audit.metadata.get("system", {}), "custom": {}},
                )
                comments.append(comment)
    return comments
