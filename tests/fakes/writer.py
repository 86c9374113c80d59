"""``FakeWriter``: the ``ZendeskWriter`` port in memory, over a ``FakeZendesk``'s tickets and
audits, for the push step's unit tests. Checked by its state, never by its calls.

It changes tickets the way Zendesk does: a safe update whose ``updated_stamp`` is not the
ticket's ``updated_at`` is a 409 and changes nothing; a closed ticket is a 422; a missing
or deleted one a 404; every change stamps the ticket one second past its last change (at
least the clock's now), moves it to the end of the export stream and records an audit
(Change events with Zendesk's string values, a Comment event for a note). Agents edit
through ``edit``, the same path. Creation honours ``Idempotency-Key``.

Faults, per method ("update", "create", "update_many", "show", "audits"): ``fail_next``
queues errors raised before anything happens; ``lose_answer`` counts calls that apply the
change and then raise ``ZendeskUnavailable(maybe_applied=True)``, as a timeout after the
write would. ``before_update`` runs before each update: a test's agent racing the worker.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sync.errors import (
    TicketConflict,
    TicketNotFound,
    ZendeskError,
    ZendeskRejected,
    ZendeskUnavailable,
)
from sync.ports import Clock
from sync.records import (
    AuditBatch,
    AuditRecord,
    BulkResult,
    CreatedTicket,
    Directory,
    EventRecord,
    ExportPage,
    NewTicket,
    TicketChange,
    TicketRecord,
    UpdatedTicket,
    UserRecord,
)
from tests.fakes.zendesk import FakeZendesk

_SCALARS = ("status", "custom_status_id", "group_id", "assignee_id")


def stamp(moment: datetime) -> str:
    """A time as Zendesk writes it: whole seconds, UTC, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeWriter:
    def __init__(self, zendesk: FakeZendesk, *, clock: Clock, worker_id: int = 1) -> None:
        self.zendesk = zendesk
        self.clock = clock
        self.worker_id = worker_id
        self.fail_next: dict[str, list[ZendeskError | None]] = {}
        self.lose_answer: Counter[str] = Counter()
        self.before_update: Callable[[int], None] | None = None
        self.calls: Counter[str] = Counter()
        #: Idempotency key -> (the request, the id of the ticket it created).
        self.created: dict[str, tuple[NewTicket, int]] = {}
        self.next_ticket_id = 90_001
        self._next_audit_id = 700_000

    # -- the reader side, delegated (push re-pulls audits; the cycle pulls) --------------

    def whoami(self) -> UserRecord:
        return self.zendesk.whoami()

    def directory(self) -> Directory:
        return self.zendesk.directory()

    def export_tickets(
        self, *, cursor: str | None, start_time: int, system_field_id: int | None
    ) -> Iterator[ExportPage]:
        return self.zendesk.export_tickets(
            cursor=cursor, start_time=start_time, system_field_id=system_field_id
        )

    def users(self, ids: Collection[int]) -> tuple[UserRecord, ...]:
        return self.zendesk.users(ids)

    def ticket_audits(self, ticket_id: int) -> AuditBatch:
        self._fault("audits")
        return self.zendesk.ticket_audits(ticket_id)

    # -- building the account ------------------------------------------------------------

    def add_ticket(
        self, ticket_id: int, *, by: int, group_id: int, tags: Sequence[str] = (), **more: Any
    ) -> TicketRecord:
        """A ticket created now by ``by``, with its creation audit."""
        now = self.clock.now()
        raw = {"id": ticket_id, "status": "open", "group_id": group_id, "assignee_id": None,
               "custom_status_id": None, "tags": sorted(tags), "subject": f"Ticket {ticket_id}",
               "created_at": stamp(now), "updated_at": stamp(now), "custom_fields": []}  # fmt: skip
        raw.update(more)
        ticket = _record(raw, int(now.timestamp()))
        created = [("Create", name, _wire(raw[name]), None) for name in ("status", "group_id")]
        self.zendesk.tickets[ticket_id] = ticket
        self.zendesk.audits[ticket_id] = []
        self._audit(ticket, by, created, [(True, f"Ticket {ticket_id} created.")], now)
        return ticket

    def edit(
        self, ticket_id: int, *, by: int, note: str | None = None, reply: str | None = None,
        **fields: Any,
    ) -> AuditRecord | None:  # fmt: skip
        """An agent's edit now, through the web: ``status``, ``group_id``, ``assignee_id``,
        ``tags`` (full set), ``add_tags``, ``custom_fields`` ({id: value}), ``delete``."""
        ticket = self._existing(ticket_id, "edit")
        if fields.pop("delete", False):
            gone = dict(ticket.raw, status="deleted")
            self.zendesk.tickets[ticket_id] = _record(gone, ticket.generated_timestamp + 60)
            return None
        adds = tuple(fields.pop("add_tags", ()))
        if adds:
            fields["tags"] = sorted({*ticket.tags, *adds})
        comments = [(False, note)] if note else []
        comments += [(True, reply)] if reply else []
        return self._change(ticket, by, fields, comments)

    # -- ZendeskWriter -------------------------------------------------------------------

    def show_ticket(self, ticket_id: int, *, system_field_id: int | None) -> TicketRecord:
        self._fault("show")
        return _answered(self._existing(ticket_id, "GET"))

    def update_ticket(self, change: TicketChange, *, system_field_id: int | None) -> UpdatedTicket:
        if self.before_update is not None:
            self.before_update(change.ticket_id)
        self._fault("update")
        ticket = self._writable(change.ticket_id)
        if change.updated_stamp is not None and change.updated_stamp != ticket.raw["updated_at"]:
            raise TicketConflict(f"PUT ticket {ticket.id}: 409 UpdateConflict", status=409)
        audit = self._apply(ticket, change)
        self._maybe_lose("update")
        return UpdatedTicket(_answered(self.zendesk.tickets[ticket.id]), audit)

    def update_many(self, ids: Sequence[int], change: TicketChange) -> list[BulkResult]:
        self._fault("update_many")
        results = []
        for ticket_id in ids:
            try:
                self._apply(self._writable(ticket_id), change)
            except ZendeskRejected as exc:
                results.append(BulkResult(ticket_id, False, str(exc), "job-1"))
            else:
                results.append(BulkResult(ticket_id, True, None, "job-1"))
        self._maybe_lose("update_many")
        return results

    def create_ticket(
        self, ticket: NewTicket, *, system_field_id: int | None = None
    ) -> CreatedTicket:
        self._fault("create")
        known = self.created.get(ticket.idempotency_key)
        if known is not None:
            if known[0] != ticket:
                raise ZendeskRejected("400 IdempotentRequestError", status=400)
            return CreatedTicket(known[1], replayed=True)
        new_id = self.next_ticket_id
        self.next_ticket_id += 1
        self.created[ticket.idempotency_key] = (ticket, new_id)
        record, audit = self._new(new_id, ticket)
        self._maybe_lose("create")
        return CreatedTicket(new_id, ticket=_answered(record), audit=audit)

    def _new(self, ticket_id: int, ticket: NewTicket) -> tuple[TicketRecord, AuditRecord]:
        """The ticket Zendesk creates for ``ticket``, with its creation audit."""
        now = self.clock.now()
        custom = [
            {"id": field_id, "value": _wire(value)} for field_id, value in ticket.custom_fields
        ]
        raw = {"id": ticket_id, "status": "open", "group_id": ticket.group_id,
               "assignee_id": None, "custom_status_id": None, "tags": sorted(ticket.tags),
               "subject": ticket.subject, "created_at": stamp(now), "updated_at": stamp(now),
               "custom_fields": custom, "requester_id": ticket.requester_id,
               "organization_id": ticket.organization_id, "priority": ticket.priority,
               "submitter_id": ticket.author_id, "external_id": ticket.external_id}  # fmt: skip
        record = _record(raw, int(now.timestamp()))
        self.zendesk.tickets[ticket_id] = record
        created = [("Create", name, _wire(raw[name]), None) for name in ("status", "group_id")]
        by = ticket.author_id or self.worker_id
        return record, self._audit(record, by, created, [(False, ticket.body)], now)

    # -- state for assertions ------------------------------------------------------------

    def notes(self, ticket_id: int) -> list[str]:
        """The internal notes the worker wrote on a ticket, oldest first."""
        return [
            event.body or ""
            for audit in self.zendesk.audits.get(ticket_id, [])
            for event in audit.events
            if event.type == "Comment" and event.author_id == self.worker_id
        ]

    def ticket(self, ticket_id: int) -> TicketRecord:
        return self.zendesk.tickets[ticket_id]

    # -- internals -----------------------------------------------------------------------

    def _fault(self, method: str) -> None:
        self.calls[method] += 1
        queued = self.fail_next.get(method)
        if queued:
            error = queued.pop(0)
            if error is not None:
                raise error

    def _maybe_lose(self, method: str) -> None:
        if self.lose_answer[method] > 0:
            self.lose_answer[method] -= 1
            raise ZendeskUnavailable(f"{method}: read timed out", maybe_applied=True)

    def _existing(self, ticket_id: int, doing: str) -> TicketRecord:
        ticket = self.zendesk.tickets.get(ticket_id)
        if ticket is None or ticket.deleted:
            raise TicketNotFound(f"{doing} ticket {ticket_id}: 404 RecordNotFound", status=404)
        return ticket

    def _writable(self, ticket_id: int) -> TicketRecord:
        ticket = self._existing(ticket_id, "PUT")
        if ticket.status == "closed":
            body = '{"details": {"status": [{"description": "Status: closed prevents '
            body += 'ticket update"}]}}'
            raise ZendeskRejected(f"PUT ticket {ticket_id}: 422 {body}", status=422, body=body)
        return ticket

    def _apply(self, ticket: TicketRecord, change: TicketChange) -> AuditRecord | None:
        fields = dict(change.fields)
        if change.additional_tags or change.remove_tags:
            tags = set(fields.get("tags", ticket.tags)) | set(change.additional_tags)
            fields["tags"] = sorted(tags - set(change.remove_tags))
        comments = [(False, change.note)] if change.note is not None else []
        return self._change(ticket, change.author_id or self.worker_id, fields, comments)

    def _change(
        self,
        ticket: TicketRecord,
        by: int,
        fields: Mapping[str, Any],
        comments: list[tuple[bool, str]],
    ) -> AuditRecord | None:
        raw = dict(ticket.raw)
        events: list[tuple[str, str, Any, Any]] = []
        for name, value in fields.items():
            if name == "custom_fields":
                events += self._custom(raw, value)
            elif name == "tags" and sorted(value) != sorted(ticket.tags):
                events.append(("Change", "tags", sorted(value), sorted(ticket.tags)))
                raw["tags"] = sorted(value)
            elif name in _SCALARS and raw.get(name) != value:
                events.append(("Change", name, _wire(value), _wire(raw.get(name))))
                raw[name] = value
        if not events and not comments:
            return None
        moment = max(self.clock.now(), ticket.updated_at + timedelta(seconds=1))
        raw["updated_at"] = stamp(moment)
        updated = _record(raw, max(int(moment.timestamp()), ticket.generated_timestamp + 1))
        self.zendesk.tickets[ticket.id] = updated
        return self._audit(updated, by, events, comments, moment)

    def _custom(self, raw: dict[str, Any], values: Mapping[int, Any]) -> list[Any]:
        listed = {item["id"]: item["value"] for item in raw.get("custom_fields", [])}
        events = [
            ("Change", str(k), _wire(v), _wire(listed.get(k)))
            for k, v in values.items()
            if listed.get(k) != _wire(v)
        ]
        listed.update({k: _wire(v) for k, v in values.items()})
        raw["custom_fields"] = [{"id": k, "value": v} for k, v in sorted(listed.items())]
        return events

    def _audit(
        self,
        ticket: TicketRecord,
        by: int,
        changes: list[tuple[str, str, Any, Any]],
        comments: list[tuple[bool, str]],
        moment: datetime,
    ) -> AuditRecord:
        self._next_audit_id += 1
        audit_id = self._next_audit_id
        events = [
            EventRecord(audit_id * 10 + i, audit_id, ticket.id, i, kind, name, value, old)
            for i, (kind, name, value, old) in enumerate(changes)
        ]
        for public, body in comments:
            at = len(events)
            events.append(
                EventRecord(audit_id * 10 + at, audit_id, ticket.id, at, "Comment",
                            public=public, author_id=by, body=body)
            )  # fmt: skip
        channel = "api" if by == self.worker_id else "web"
        audit = AuditRecord(
            audit_id, ticket.id, by, moment, channel, tuple(events), {"via": {"channel": channel}}
        )
        self.zendesk.audits.setdefault(ticket.id, []).append(audit)
        return audit


def _answered(ticket: TicketRecord) -> TicketRecord:
    """The ticket as an answer other than the export shows it: without generated_timestamp
    (reference notes, section 1)."""
    return dataclasses.replace(ticket, generated_timestamp=None)


def _record(raw: Mapping[str, Any], generated: int) -> TicketRecord:
    return TicketRecord(
        id=raw["id"],
        status=raw["status"],
        group_id=raw["group_id"],
        assignee_id=raw["assignee_id"],
        requester_id=raw.get("requester_id"),
        organization_id=raw.get("organization_id"),
        custom_status_id=raw["custom_status_id"],
        subject=raw["subject"],
        system=None,
        tags=tuple(raw["tags"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        updated_at=datetime.fromisoformat(raw["updated_at"]),
        generated_timestamp=generated,
        raw=dict(raw),
    )


def _wire(value: Any) -> Any:
    """A value as audit events carry it: ids and numbers as strings."""
    return None if value is None else value if isinstance(value, str | list) else str(value)
