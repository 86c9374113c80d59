"""``FakeZendesk``: the ``ZendeskReader`` port in memory, for the cycle's unit tests.

It keeps tickets in the export's stream order (generated_timestamp, id), serves them in
pages from an integer cursor, and counts calls, so tests assert on what was asked of
Zendesk. ``fail_next`` queues errors for the next calls of a method.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sync.errors import TicketNotFound, TicketUnreadable, ZendeskError
from sync.records import (
    AuditBatch,
    AuditRecord,
    Directory,
    EventRecord,
    ExportPage,
    TicketRecord,
    UnreadableTicket,
    UserRecord,
)

EPOCH = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def make_ticket(
    ticket_id: int, *, group_id: int | None, minute: int = 0, status: str = "open", **more: Any
) -> TicketRecord:
    """A ticket last updated ``minute`` minutes after EPOCH."""
    updated = EPOCH + timedelta(minutes=minute)
    fields: dict[str, Any] = {
        "id": ticket_id,
        "status": status,
        "group_id": group_id,
        "assignee_id": None,
        "requester_id": None,
        "organization_id": None,
        "custom_status_id": None,
        "subject": f"ticket {ticket_id}",
        "system": None,
        "tags": (),
        "created_at": EPOCH,
        "updated_at": updated,
        "generated_timestamp": int(updated.timestamp()),
    }
    fields.update(more)
    return TicketRecord(**fields, raw={"id": ticket_id, "status": status, "group_id": group_id})


def make_audit(ticket_id: int, audit_id: int, *, minute: int = 0) -> AuditRecord:
    event = EventRecord(
        id=audit_id * 10,
        audit_id=audit_id,
        ticket_id=ticket_id,
        position=0,
        type="Change",
        field_name="status",
        value="open",
        previous_value="new",
    )
    return AuditRecord(
        id=audit_id,
        ticket_id=ticket_id,
        author_id=1,
        created_at=EPOCH + timedelta(minutes=minute),
        via_channel="web",
        events=(event,),
        raw={"id": audit_id},
    )


ME = UserRecord(
    id=1,
    name="zdsync",
    email="zdsync@ispnext.example",
    role="admin",
    role_type=4,
    active=True,
    suspended=False,
    organization_id=None,
    default_group_id=None,
    raw={},
)


class FakeZendesk:
    def __init__(self, *, page_size: int = 2, directory: Directory | None = None) -> None:
        self.page_size = page_size
        self.tickets: dict[int, TicketRecord] = {}
        self.audits: dict[int, list[AuditRecord]] = {}
        self.dir = directory or Directory(users=(ME,))
        self.calls: Counter[str] = Counter()
        #: Per method, outcomes of its next calls: an error to raise, or None to succeed.
        self.fail_next: dict[str, list[ZendeskError | None]] = {}
        self.export_requests: list[dict[str, Any]] = []
        #: End users (requesters): not in the directory, found by ``users``.
        self.people: list[UserRecord] = []
        #: Ticket -> why the export's record of it cannot be read: the page names it
        #: unreadable instead of sending it (``show_ticket`` still reads it).
        self.spoiled_in_export: dict[int, str] = {}
        #: Ticket -> how many of the next ``show_ticket`` answers cannot be read.
        self.spoiled_shows: Counter[int] = Counter()

    def put(self, ticket: TicketRecord, *audits: AuditRecord) -> None:
        self.tickets[ticket.id] = ticket
        if audits:
            self.audits[ticket.id] = list(audits)

    def touch(self, ticket_id: int, *, minute: int, **changes: Any) -> None:
        """An agent changes a ticket: it moves to the end of the export stream."""
        updated = EPOCH + timedelta(minutes=minute)
        self.tickets[ticket_id] = dataclasses.replace(
            self.tickets[ticket_id],
            updated_at=updated,
            generated_timestamp=int(updated.timestamp()),
            **changes,
        )

    def _maybe_fail(self, method: str) -> None:
        self.calls[method] += 1
        queued = self.fail_next.get(method)
        if queued:
            error = queued.pop(0)
            if error is not None:
                raise error

    def whoami(self) -> UserRecord:
        self._maybe_fail("whoami")
        return ME

    def directory(self) -> Directory:
        self._maybe_fail("directory")
        return self.dir

    def export_tickets(
        self, *, cursor: str | None, start_time: int, system_field_id: int | None
    ) -> Iterator[ExportPage]:
        # The cursor is the stream position of the last ticket sent: "gts:id", as Zendesk's
        # opaque cursor encodes (generated_timestamp, id).
        after = tuple(map(int, cursor.split(":"))) if cursor else (start_time - 1, 0)
        while True:
            self.export_requests.append({"cursor": cursor, "start_time": start_time})
            self._maybe_fail("export")
            stream = sorted(self.tickets.values(), key=lambda t: (t.generated_timestamp, t.id))
            rest = [t for t in stream if (t.generated_timestamp, t.id) > after]
            page = rest[: self.page_size]
            if page:
                after = (page[-1].generated_timestamp, page[-1].id)
            cursor = f"{after[0]}:{after[1]}"
            end = len(rest) <= self.page_size
            spoiled = [t for t in page if t.id in self.spoiled_in_export]
            yield ExportPage(
                tickets=tuple(t for t in page if t not in spoiled), after_cursor=cursor,
                end_of_stream=end, skipped=len(spoiled),
                unreadable=tuple(UnreadableTicket(t.id, self.spoiled_in_export[t.id])
                                 for t in spoiled),
            )  # fmt: skip
            if end:
                return

    def users(self, ids: Collection[int]) -> tuple[UserRecord, ...]:
        self._maybe_fail("users")
        everyone = {u.id: u for u in (*self.dir.users, *self.people)}
        return tuple(everyone[i] for i in sorted(set(ids)) if i in everyone)

    def ticket_audits(self, ticket_id: int) -> AuditBatch:
        self._maybe_fail("audits")
        if ticket_id not in self.tickets:
            raise TicketNotFound(f"GET ticket {ticket_id} audits: 404", status=404)
        return AuditBatch(ticket_id=ticket_id, audits=tuple(self.audits.get(ticket_id, ())))

    def show_ticket(self, ticket_id: int, *, system_field_id: int | None) -> TicketRecord:
        self._maybe_fail("show")
        if ticket_id not in self.tickets:
            raise TicketNotFound(f"GET ticket {ticket_id}: 404", status=404)
        if self.spoiled_shows[ticket_id] > 0:
            self.spoiled_shows[ticket_id] -= 1
            reason = "status is None, expected a string"
            raise TicketUnreadable(f"GET ticket {ticket_id}: unreadable: {reason}", reason=reason)
        # As Zendesk's show answers: no generated_timestamp (reference notes, section 1).
        return dataclasses.replace(self.tickets[ticket_id], generated_timestamp=None)
