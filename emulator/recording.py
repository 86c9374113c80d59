"""Recording audits: ids, ``via``, ``metadata`` and events of each update.

Audit shape [reference notes section 3]: ``{id, ticket_id, created_at, author_id,
metadata: {system: {client, ip_address, location, latitude, longitude}, custom: {}},
via: {channel, source: {from, to, rel}}, events}``. Ids are large and increasing, like
Zendesk's; a creation audit made lazily gets its ids when it is made.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from emulator.changes import Proposal, blank_values, field_events, values_of
from emulator.comments import Comment
from emulator.specs import UserSpec
from emulator.tickets import Audit, Ticket

API_CLIENT = "zdsync-emulator API client"
WEB_CLIENT = "Mozilla/5.0 (X11; Linux x86_64) Zendesk Agent Workspace (emulated)"
_AUDIT_IDS = 40_000_000_001
_EVENT_IDS = 50_000_000_001


def via(channel: str, source_from: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``via`` of a ticket or audit. Plain ones are shared: nothing mutates them, and a
    100,000-ticket world would otherwise hold 300,000 identical dicts."""
    if source_from is None:
        plain = _PLAIN_VIAS.get(channel)
        if plain is None:
            plain = _PLAIN_VIAS[channel] = {
                "channel": channel,
                "source": {"from": {}, "to": {}, "rel": None},
            }
        return plain
    return {"channel": channel, "source": {"from": dict(source_from), "to": {}, "rel": "follow_up"}}


_PLAIN_VIAS: dict[str, dict[str, Any]] = {}


def metadata(client: str) -> dict[str, Any]:
    system = {"client": client, "ip_address": "127.0.0.1", "location": "Amsterdam, NH, Netherlands"}
    return {"system": {**system, "latitude": 52.3676, "longitude": 4.9041}, "custom": {}}


class AuditRecorder:
    """Makes audits with fresh ids."""

    def __init__(self) -> None:
        self._audit_ids = itertools.count(_AUDIT_IDS)
        self._event_ids = itertools.count(_EVENT_IDS)

    def record(
        self, ticket: Ticket, proposal: Proposal, actor: UserSpec, channel: str, stamp: int
    ) -> Audit:
        """The audit of one update: its comment first, then the field events."""
        audit_id = next(self._audit_ids)
        events = []
        if proposal.comment is not None:
            events.append(proposal.comment.event(next(self._event_ids), audit_id))
        events.extend({"id": next(self._event_ids), **event} for event in proposal.events)
        client = API_CLIENT if channel == "api" else WEB_CLIENT
        return Audit(audit_id, ticket.id, stamp, actor.id, via(channel), metadata(client), events)

    def creation_audit(self, ticket: Ticket, author: UserSpec) -> Audit:
        """The audit a ticket's creation recorded, made from the untouched ticket."""
        comment = Comment(author.id, ticket.description, public=ticket.is_public)
        creation = field_events(blank_values(), values_of(ticket), "Create")
        proposal = Proposal(values_of(ticket), comment, creation)
        audit = self.record(ticket, proposal, author, ticket.via["channel"], ticket.created_at)
        audit.via = ticket.via
        return audit
