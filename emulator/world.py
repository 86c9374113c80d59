"""The emulator's state: tickets, their audits, the export stream and the directory,
with the operations that change them. Every public method holds ``lock``, so HTTP
threads, scripted activity and the test driving the emulator see one consistent world.

Ticket times obey two Zendesk invariants the worker relies on: ``updated_at`` changes
only when an update records events, and it strictly increases per ticket. With a frozen
clock two updates land in the same second, so the second one is stamped one second
later (``updated_at = max(now, previous + 1)``); ``generated_timestamp`` likewise.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from emulator import errors
from emulator.assignment import as_int, requester_of, submitter_of
from emulator.changes import Proposal, blank_values, propose, values_of
from emulator.clock import EmulatorClock
from emulator.directory import Directory
from emulator.recording import AuditRecorder, via
from emulator.specs import Edit, ScenarioData, ScriptEntry, UserSpec
from emulator.stream import StreamIndex
from emulator.tickets import Audit, Ticket, exported_bytes, ticket_bytes

log = logging.getLogger(__name__)


class World:
    """Tickets, audits and the directory of one emulated account."""

    def __init__(self, scenario: ScenarioData, clock: EmulatorClock, base_url: str) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url
        self.directory = Directory(scenario)
        self.tickets: dict[int, Ticket] = {}
        self.stream = StreamIndex()
        #: Ids of the tickets the scenario made (set by ``replay.populate``); the others
        #: were created through the API.
        self.scenario_ticket_ids: frozenset[int] = frozenset()
        self.script_errors: list[str] = []
        self._next_ticket_id = 1
        self.recorder = AuditRecorder()
        self._script: list[tuple[int, int, ScriptEntry]] = []
        self._script_order = itertools.count()

    # -- reading -----------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        """A ticket the API can show: 404 when missing or deleted."""
        with self.lock:
            ticket = self.tickets.get(ticket_id)
            if ticket is None or ticket.deleted:
                raise errors.record_not_found()
            return ticket

    def audits(self, ticket: Ticket, *, keep: bool = True) -> list[Audit]:
        """A ticket's audits, oldest first (its creation audit made on first need)."""
        with self.lock:
            if ticket.audits is not None:
                return ticket.audits
            author = self.directory.users[ticket.submitter_id]
            audits = [self.recorder.creation_audit(ticket, author)]
            if keep:
                ticket.audits = audits
            return audits

    def render(self, ticket: Ticket) -> bytes:
        """The ticket's JSON document; callers hold ``lock`` (the document is cached)."""
        return ticket_bytes(ticket, self.base_url, self.directory.custom_field_ids)

    def render_exported(self, ticket: Ticket) -> bytes:
        """The ticket as the export shows it, with its ``generated_timestamp``."""
        return exported_bytes(ticket, self.render(ticket))

    def prerender(self, stop: threading.Event, chunk: int = 500) -> int:
        """Serialise every ticket ahead of the export, a chunk per lock hold so requests
        keep being served; returns how many were rendered. Stops early when ``stop`` is set."""
        with self.lock:
            ids = list(self.tickets)
        rendered = 0
        for start in range(0, len(ids), chunk):
            if stop.is_set():
                break
            with self.lock:
                for ticket_id in ids[start : start + chunk]:
                    ticket = self.tickets[ticket_id]
                    if ticket.rendered is None:
                        self.render(ticket)
                        rendered += 1
        return rendered

    # -- changing ----------------------------------------------------------------

    def create_ticket(
        self,
        payload: Mapping[str, Any],
        actor: UserSpec,
        *,
        channel: str = "api",
        at: int | None = None,
        ticket_id: int | None = None,
        keep_audit: bool = True,
    ) -> Ticket:
        """Create a ticket (``POST /api/v2/tickets.json``); 422 without a comment.
        Its creation audit is ``audits(ticket)[0]`` (made lazily with ``keep_audit=False``)."""
        with self.lock:
            stamp = self.clock.timestamp() if at is None else at
            requester_id = requester_of(self.directory, payload, actor, stamp)
            fields = {**payload, "requester_id": requester_id}
            submitter = submitter_of(self.directory, payload, actor)
            proposal = propose(
                self.directory, blank_values(), fields, submitter, creating=True, events=keep_audit
            )
            if proposal.comment is None:
                raise errors.record_invalid("description", "Description: cannot be blank")
            if proposal.values["organization_id"] is None:
                requester = self.directory.users[proposal.values["requester_id"]]
                proposal.values["organization_id"] = requester.organization
            new_id = ticket_id if ticket_id is not None else self._next_ticket_id
            if new_id in self.tickets:
                raise errors.EmulatorError(f"ticket {new_id} exists already")
            self._next_ticket_id = max(self._next_ticket_id, new_id + 1)
            source = self._followup_source(payload.get("via_followup_source_id"))
            ticket = self._new_ticket(
                new_id,
                proposal=proposal,
                submitter=submitter,
                stamp=stamp,
                channel=channel,
                source=source,
            )
            if keep_audit:
                ticket.audits = [self.recorder.record(ticket, proposal, actor, channel, stamp)]
            self.tickets[new_id] = ticket
            self.stream.add((ticket.generated_timestamp, new_id))
            if source is not None:
                source.followup_ids.append(new_id)
                self._touch(source, stamp)
            return ticket

    def update_ticket(
        self,
        ticket_id: int,
        payload: Mapping[str, Any],
        actor: UserSpec,
        *,
        channel: str = "api",
        at: int | None = None,
        time_spent: int | None = None,
    ) -> tuple[Ticket, Audit]:
        """Update a ticket (``PUT /api/v2/tickets/{id}.json``): 404 missing or deleted,
        422 closed or invalid, 409 stale ``updated_stamp`` under ``safe_update``."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            if ticket.status == "closed":
                raise errors.closed_ticket()
            _check_safe_update(ticket, payload)
            stamp = self.clock.timestamp() if at is None else at
            proposal = propose(
                self.directory, values_of(ticket), payload, actor, time_spent=time_spent
            )
            if not proposal.events and proposal.comment is None:
                # Nothing changes, so nothing is recorded; the answer still has an audit.
                return ticket, Audit(0, ticket.id, stamp, actor.id, via(channel), {}, [])
            audits = self.audits(ticket)
            stamp = max(stamp, ticket.updated_at + 1)
            audit = self.recorder.record(ticket, proposal, actor, channel, stamp)
            audits.append(audit)
            self._apply(ticket, proposal, stamp)
            return ticket, audit

    def delete_ticket(self, ticket_id: int, at: int | None = None) -> None:
        """Soft-delete: the export keeps showing the ticket with status ``deleted``."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            self.audits(ticket)
            ticket.status = "deleted"
            self._touch(ticket, self.clock.timestamp() if at is None else at)

    def apply_edit(self, ticket_id: int, edit: Edit, at: int) -> Audit | None:
        """An agent's edit (scenario history, script, ``act``) at ``at``."""
        with self.lock:
            actor = self.directory.users[edit.by]
            audit = None
            if edit.payload or edit.time_spent is not None:
                _, audit = self.update_ticket(
                    ticket_id,
                    edit.payload,
                    actor,
                    channel=edit.channel,
                    at=at,
                    time_spent=edit.time_spent,
                )
            if edit.delete:
                self.delete_ticket(ticket_id, at)
            return audit

    # -- scripted activity -----------------------------------------------------

    def schedule(self, entry: ScriptEntry, at: int) -> None:
        with self.lock:
            heapq.heappush(self._script, (at, next(self._script_order), entry))

    def run_due(self, now: datetime | None = None) -> int:
        """Fire script entries whose time has come, each at its own scheduled time."""
        limit = int((now or self.clock.now()).timestamp())
        fired = 0
        with self.lock:
            while self._script and self._script[0][0] <= limit:
                at, _, entry = heapq.heappop(self._script)
                try:
                    self.apply_edit(entry.ticket, entry.edit, at)
                except errors.ApiError as exc:
                    message = f"script entry on ticket {entry.ticket} at {at}: {exc}"
                    log.warning("emulator: %s", message)
                    self.script_errors.append(message)
                fired += 1
        return fired

    # -- internals ---------------------------------------------------------------

    def _followup_source(self, source_id: Any) -> Ticket | None:
        """Only a closed ticket can be followed up; otherwise the key is ignored [spec]."""
        if source_id is None:
            return None
        source = self.tickets.get(as_int(source_id, "via_followup_source_id"))
        return source if source is not None and source.status == "closed" else None

    def _new_ticket(
        self,
        ticket_id: int,
        *,
        proposal: Proposal,
        submitter: UserSpec,
        stamp: int,
        channel: str,
        source: Ticket | None,
    ) -> Ticket:
        values = proposal.values
        comment = proposal.comment
        origin = {"ticket_id": source.id, "subject": source.subject} if source else None
        return Ticket(
            id=ticket_id,
            subject=values["subject"] or "",
            description=comment.body if comment else "",
            status=values["status"],
            custom_status_id=values["custom_status_id"],
            priority=values["priority"],
            type=values["type"],
            requester_id=values["requester_id"],
            submitter_id=submitter.id,
            assignee_id=values["assignee_id"],
            group_id=values["group_id"],
            organization_id=values["organization_id"],
            tags=values["tags"],
            fields=values["fields"],
            created_at=stamp,
            updated_at=stamp,
            generated_timestamp=stamp,
            via=via(channel, origin),
            due_at=values["due_at"],
            is_public=bool(comment and comment.public),
        )

    def _apply(self, ticket: Ticket, proposal: Proposal, stamp: int) -> None:
        for name, value in proposal.values.items():
            setattr(ticket, name, value)
        if proposal.comment is not None and proposal.comment.public:
            ticket.is_public = True
        ticket.updated_at = stamp
        self._touch(ticket, stamp)

    def _touch(self, ticket: Ticket, stamp: int) -> None:
        """Any change: a new generated_timestamp, a new stream position, a fresh document."""
        old = (ticket.generated_timestamp, ticket.id)
        ticket.generated_timestamp = max(stamp, ticket.generated_timestamp + 1)
        ticket.rendered = None
        self.stream.move(old, (ticket.generated_timestamp, ticket.id))


def _check_safe_update(ticket: Ticket, payload: Mapping[str, Any]) -> None:
    safe = payload.get("safe_update")
    if not (safe is True or str(safe).lower() == "true"):
        return
    stamp = payload.get("updated_stamp")
    if stamp is None:
        return
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError as exc:
        raise errors.invalid_value(f"updated_stamp {stamp!r} is not a time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Zendesk times are UTC
    if int(moment.timestamp()) != ticket.updated_at:
        raise errors.update_conflict()
