"""A canonical end state of the emulated account, for "the end state equals the
fault-free run" tests.

Only what Zendesk users would see and care about is kept: each ticket's fields, tags,
custom fields, comments and audits (who changed what, through which channel), without
ids, times or order-dependent numbers. Tickets of the scenario are keyed by id; tickets
created through the API are a sorted list (their ids depend on creation order).
"""

from __future__ import annotations

from typing import Any

import orjson

from emulator.tickets import Ticket
from emulator.world import World


def snapshot(world: World) -> dict[str, Any]:
    with world.lock:
        scenario: dict[str, Any] = {}
        created: list[dict[str, Any]] = []
        for ticket_id in sorted(world.tickets):
            ticket = world.tickets[ticket_id]
            state = ticket_state(world, ticket)
            if ticket_id in world.scenario_ticket_ids:
                scenario[str(ticket_id)] = state
            else:
                created.append(state)
    created.sort(key=lambda state: orjson.dumps(state, option=orjson.OPT_SORT_KEYS))
    return {"tickets": scenario, "created_tickets": created}


def ticket_state(world: World, ticket: Ticket) -> dict[str, Any]:
    audits = world.audits(ticket, keep=False)
    return {
        "status": ticket.status,
        "custom_status_id": ticket.custom_status_id,
        "subject": ticket.subject,
        "description": ticket.description,
        "priority": ticket.priority,
        "type": ticket.type,
        "requester_id": ticket.requester_id,
        "submitter_id": ticket.submitter_id,
        "assignee_id": ticket.assignee_id,
        "group_id": ticket.group_id,
        "organization_id": ticket.organization_id,
        "tags": sorted(ticket.tags),
        "custom_fields": {str(k): v for k, v in sorted(ticket.fields.items()) if v is not None},
        "followups": len(ticket.followup_ids),
        "followup_source": ticket.via["source"]["from"].get("ticket_id"),
        "comments": [
            {"author_id": e["author_id"], "public": e["public"], "body": e["body"]}
            for audit in audits
            for e in audit.events
            if e["type"] == "Comment"
        ],
        "audits": [
            {
                "author_id": audit.author_id,
                "channel": audit.via["channel"],
                "events": [_event(e) for e in audit.events],
            }
            for audit in audits
        ],
    }


def _event(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "Comment":
        keep = ("type", "author_id", "public", "body")
    else:
        keep = ("type", "field_name", "value", "previous_value")
    return {key: event[key] for key in keep if key in event}
