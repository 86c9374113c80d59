"""The List Mode's query (``zdsync tickets``): seed 000's columns, filtered by group and
by its two states."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from adapters.store import schema
from sync.records import CLOSED_STATUSES, TicketQuery


def list_query(query: TicketQuery) -> Select[Any]:
    """Seed 000's List Mode: entity and group names joined in, latest update first, then
    the higher id; ``state`` is Open or Closed as ``sync.records.list_state`` tells."""
    orgs, groups, tickets = schema.organizations, schema.groups, schema.tickets
    stmt = select(
        tickets.c.id,
        orgs.c.name.label("entity"),
        tickets.c.system,
        tickets.c.subject,
        tickets.c.created_at,
        tickets.c.updated_at,
        tickets.c.status,
        tickets.c.group_id,
        groups.c.name.label("group_name"),
    ).select_from(
        tickets.outerjoin(orgs, orgs.c.id == tickets.c.organization_id).outerjoin(
            groups, groups.c.id == tickets.c.group_id
        )
    )
    if query.group_ids:
        stmt = stmt.where(tickets.c.group_id.in_(query.group_ids))
    if query.state == "closed":
        stmt = stmt.where(tickets.c.status.in_(sorted(CLOSED_STATUSES)))
    elif query.state == "open":
        stmt = stmt.where(tickets.c.status.not_in(sorted(CLOSED_STATUSES)))
    elif query.state is not None:
        raise ValueError(
            f"TicketQuery.state: expected 'open', 'closed' or None, got {query.state!r}"
        )
    return stmt.order_by(tickets.c.updated_at.desc(), tickets.c.id.desc()).limit(query.limit)
