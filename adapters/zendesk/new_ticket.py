"""A ticket the worker creates: the request body of ``POST /api/v2/tickets.json`` and what
its answer gives the mirror."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from adapters.zendesk.parse import BadRecord, parse_audit, parse_ticket
from sync.records import AuditRecord, NewTicket, TicketRecord

log = logging.getLogger(__name__)


def new_ticket_payload(ticket: NewTicket) -> dict[str, Any]:
    """``TicketCreateInput``: for the customer (``requester_id``, ``organization_id``: the
    spec allows only an organization of the requester's), submitted by the worker, whose
    user then authors the first comment ("the submitter always becomes the author of the
    first comment"), an internal note: the customer is not written to."""
    payload: dict[str, Any] = {
        "subject": ticket.subject,
        "comment": {"body": ticket.body, "public": False, "author_id": ticket.author_id},
        "tags": list(ticket.tags),
    }
    optional = {
        "group_id": ticket.group_id,
        "external_id": ticket.external_id,
        "requester_id": ticket.requester_id,
        "submitter_id": ticket.author_id if ticket.requester_id is not None else None,
        "organization_id": ticket.organization_id,
        "priority": ticket.priority,
    }
    payload.update((key, value) for key, value in optional.items() if value is not None)
    if ticket.custom_fields:
        payload["custom_fields"] = [
            {"id": field_id, "value": value} for field_id, value in ticket.custom_fields
        ]
    return payload


def created_records(
    body: Mapping[str, Any], ticket_id: int, system_field_id: int | None
) -> tuple[TicketRecord | None, AuditRecord | None]:
    """The created ticket and its first audit for the mirror; an unreadable one is logged
    and left to the next pull: the ticket exists, which is what counts here."""
    where = f"POST ticket (created {ticket_id})"
    try:
        record = parse_ticket(body.get("ticket"), system_field_id)
    except BadRecord as exc:
        log.warning("%s: the answer's ticket is unreadable (%s); the next pull reads it",
                    where, exc)  # fmt: skip
        return None, None
    raw_audit = body.get("audit")
    if not isinstance(raw_audit, Mapping):
        return record, None
    try:
        audit, _skipped = parse_audit(raw_audit, ticket_id)
    except BadRecord as exc:
        log.warning("%s: the answer's audit is unreadable (%s); the next pull reads it",
                    where, exc)  # fmt: skip
        return record, None
    return record, audit
