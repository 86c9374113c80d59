"""Ticket views for the rules: the mirror's records turned into ``rules.model``.

The store keeps what Zendesk sent (``sync.records``); the rules read frozen views. This
module is the one place that maps one onto the other:

- the directory: each user's group ids come from the memberships, a suspended user is
  inactive, custom statuses keep their category and the label agents see, organizations
  their names;
- a ticket: its typed columns (its requester and organization too), its priority, custom
  field values and Time Tracking Total read from the raw JSON (``priority``,
  ``custom_fields``), and its audits in order with their events
  normalised by ``rules.model.event_from_zendesk``; an event's own ``via`` (a trigger's
  change) comes from the audit's raw JSON, where Zendesk puts it.

A record that cannot be turned into a view is logged with its id and skipped: one bad
ticket never stops the decide step, and it is never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from rules.config import Account
from rules.model import (
    Audit,
    CustomStatus,
    Event,
    TicketView,
    User,
    Value,
    as_seconds,
    event_from_zendesk,
    normalise_value,
)
from rules.model import Directory as RulesDirectory
from sync.records import AuditRecord, Directory, TicketBundle

log = logging.getLogger(__name__)

#: Zendesk's ticket priorities (TicketObject.priority).
PRIORITIES = frozenset({"urgent", "high", "normal", "low"})


def rules_directory(records: Directory, account: Account) -> RulesDirectory:
    """Who is who for the rules, from the stored directory and the account's ids."""
    groups_of: dict[int, set[int]] = {}
    for membership in records.memberships:
        groups_of.setdefault(membership.user_id, set()).add(membership.group_id)
    users = [
        User(
            id=user.id,
            name=user.name,
            role=user.role,
            role_type=user.role_type,
            group_ids=frozenset(groups_of.get(user.id, ())),
            active=user.active and not user.suspended,
        )
        for user in records.users
    ]
    statuses = [
        CustomStatus(status.id, status.status_category, status.agent_label)
        for status in records.custom_statuses
    ]
    organizations = {org.id: org.name for org in records.organizations}
    return RulesDirectory.build(account, users, statuses, organizations=organizations)


def build_views(
    bundles: Iterable[TicketBundle], directory: RulesDirectory
) -> tuple[list[TicketView], list[int]]:
    """Views of ``bundles``, and the ids of the tickets that could not be viewed (each
    logged with the reason)."""
    views: list[TicketView] = []
    skipped: list[int] = []
    for bundle in bundles:
        try:
            views.append(ticket_view(bundle, directory))
        except (ValueError, TypeError) as exc:
            log.warning("ticket %d: cannot build its view, skipped: %s", bundle.ticket.id, exc,
                        extra={"step": "decide", "ticket_id": bundle.ticket.id,
                               "error": type(exc).__name__})  # fmt: skip
            skipped.append(bundle.ticket.id)
    return views, skipped


def ticket_view(bundle: TicketBundle, directory: RulesDirectory) -> TicketView:
    """The view of one ticket. Raises ValueError naming the audit, event or field that
    cannot be read."""
    ticket = bundle.ticket
    fields = custom_field_values(ticket.raw)
    total_id = directory.account.total_time_field_id
    return TicketView(
        id=ticket.id,
        status=ticket.status,
        group_id=ticket.group_id,
        assignee_id=ticket.assignee_id,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        directory=directory,
        tags=frozenset(ticket.tags),
        audits=tuple(audit_view(audit) for audit in bundle.audits),
        custom_status_id=ticket.custom_status_id,
        subject=ticket.subject,
        time_spent_total=as_seconds(fields.get(total_id)) if total_id is not None else None,
        custom_fields=fields,
        requester_id=ticket.requester_id,
        organization_id=ticket.organization_id,
        priority=_priority(ticket.raw.get("priority")),
    )


def audit_view(audit: AuditRecord) -> Audit:
    """One audit with the events the rules read (others, such as notifications, dropped)."""
    vias = _event_vias(audit.raw)
    events: list[Event] = []
    for event in audit.events:
        try:
            found = event_from_zendesk(
                event.type,
                field_name=event.field_name,
                value=event.value,
                previous_value=event.previous_value,
                public=event.public,
                author_id=event.author_id,
                body=event.body,
                via=vias.get(event.id),
            )
        except ValueError as exc:
            raise ValueError(f"audit {audit.id}, event {event.id}: {exc}") from exc
        if found is not None:
            events.append(found)
    return Audit(audit.id, audit.author_id, audit.created_at, tuple(events), audit.via_channel)


def custom_field_values(raw: Mapping[str, Any]) -> dict[int, Value]:
    """The ticket's ``custom_fields`` (``[{"id": .., "value": ..}]``) by field id, values
    normalised as audit events are (text, or a tuple for multi-select)."""
    listed = raw.get("custom_fields")
    if listed is None:
        return {}
    if not isinstance(listed, list):
        raise ValueError(f"custom_fields is a {type(listed).__name__}, not a list")
    values: dict[int, Value] = {}
    for item in listed:
        field_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(field_id, bool) or not isinstance(field_id, int):
            raise ValueError(f"custom_fields holds {item!r}, not an {{id, value}} object")
        values[field_id] = normalise_value(str(field_id), item.get("value"))
    return values


def _priority(raw: object) -> str | None:
    """The ticket's priority as the rules may copy it: one of Zendesk's four, else none."""
    return raw if isinstance(raw, str) and raw in PRIORITIES else None


def _event_vias(raw: Mapping[str, Any]) -> dict[int, str]:
    """Event id -> its own via channel, for the events whose raw JSON carries one."""
    vias: dict[int, str] = {}
    events = raw.get("events")
    for event in events if isinstance(events, list) else ():
        via = event.get("via") if isinstance(event, Mapping) else None
        channel = via.get("channel") if isinstance(via, Mapping) else None
        if isinstance(channel, str) and isinstance(event.get("id"), int):
            vias[event["id"]] = channel
    return vias
