"""Ports: what the cycle needs from the outside world, as Protocols.

Real adapters live in ``adapters/``; fakes for tests live in ``tests/fakes``. Both are
checked by the same contract suites (tests/contract), so fakes cannot drift.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sync.figures import CycleFigures
from sync.records import (
    AuditBatch,
    AuditRecord,
    BulkResult,
    CreatedTicket,
    Directory,
    ExportPage,
    NewTicket,
    OutboxEntry,
    OutboxSummary,
    TicketBundle,
    TicketChange,
    TicketQuery,
    TicketRecord,
    TicketSummary,
    UnreadableTicket,
    UpdatedTicket,
    UserRecord,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class ZendeskReader(Protocol):
    """Reads from Zendesk. Raises the ZendeskError tree of ``sync.errors``."""

    def whoami(self) -> UserRecord:
        """The user whose credentials we use (the worker's own user)."""
        ...

    def directory(self) -> Directory:
        """Users (agents and admins), groups, memberships, organizations, ticket fields and
        custom statuses."""
        ...

    def export_tickets(
        self, *, cursor: str | None, start_time: int, system_field_id: int | None
    ) -> Iterator[ExportPage]:
        """Pages of the cursor-based incremental export, resuming at ``cursor`` when given,
        else starting at ``start_time`` (unix seconds). Ends after the page that reports
        ``end_of_stream``."""
        ...

    def ticket_audits(self, ticket_id: int) -> AuditBatch:
        """Every audit of one ticket, oldest first."""
        ...

    def users(self, ids: Collection[int]) -> tuple[UserRecord, ...]:
        """The users among ``ids`` that exist (end users included), in any order."""
        ...

    def show_ticket(self, ticket_id: int, *, system_field_id: int | None) -> TicketRecord:
        """The ticket as Zendesk has it now (``TicketNotFound`` when deleted or missing,
        ``TicketUnreadable`` when the answer's ticket cannot be read)."""
        ...


class MirrorStore(Protocol):
    """The local model. Every method is one transaction: it is applied whole or not at all."""

    def read_state(self, key: str) -> str | None: ...

    def write_state(self, key: str, value: str) -> None: ...

    def ticket_versions(self, ids: Collection[int]) -> dict[int, datetime]:
        """``updated_at`` of those of ``ids`` that are mirrored."""
        ...

    def save_export_page(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        cursor_key: str,
        cursor: str | None,
        unreadable: Sequence[UnreadableTicket] = (),
    ) -> None:
        """Upsert ``tickets`` and store ``cursor`` under ``cursor_key``, atomically.

        Tickets whose id is in ``needs_audits`` are flagged for an audit fetch. A ticket
        with status ``deleted`` that is already mirrored keeps its columns and raw JSON:
        only its status and generated_timestamp change. A version older than the mirrored
        one (``TicketRecord.supersedes``) is not stored.

        ``unreadable``: the page's records that could not be read, remembered (with their
        reason; since when they are unreadable stays) so the cursor never moves past a
        ticket silently; the page's readable tickets are no longer remembered so, unless
        the page has them unreadable too.
        """
        ...

    def save_reread(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        still_unreadable: Sequence[UnreadableTicket] = (),
        forget: Collection[int] = (),
    ) -> None:
        """What reading remembered unreadable tickets again gave, atomically: ``tickets``
        stored as ``save_export_page`` stores them and no longer remembered; those of
        ``still_unreadable`` keep being remembered with their new reason and one more
        try; ``forget``: no longer remembered (read but not mirrored, or gone)."""
        ...

    def unreadable_tickets(self) -> list[UnreadableTicket]:
        """The remembered unreadable tickets with reason, ``since``, ``last_seen`` and
        ``tries``, the longest unreadable first."""
        ...

    def tickets_needing_audits(self, limit: int | None = None) -> list[int]:
        """Ids flagged by ``save_export_page``, oldest flag first."""
        ...

    def save_audits(self, batch: AuditBatch) -> None:
        """Upsert the audits (and their events) of one ticket and clear its flag, atomically."""
        ...

    def clear_audit_flag(self, ticket_id: int) -> None:
        """Give up fetching audits for a ticket that no longer exists in Zendesk."""
        ...

    def save_directory(self, directory: Directory) -> None:
        """Replace the stored directory (users, groups, ...) with ``directory``, atomically.
        End users saved by ``save_users`` are kept: the directory lists agents and admins."""
        ...

    def save_users(self, users: Sequence[UserRecord]) -> None:
        """Add or update individual users (requesters and comment authors), atomically."""
        ...

    def list_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        """The List Mode: latest update first."""
        ...

    def get_ticket(self, ticket_id: int) -> TicketRecord | None: ...

    def get_audits(self, ticket_id: int) -> list[AuditRecord]:
        """Audits of one ticket with their events, oldest first."""
        ...

    def get_users(self, ids: Collection[int] | None = None) -> dict[int, UserRecord]:
        """Stored users by id (all of them when ``ids`` is None)."""
        ...

    def load_directory(self) -> Directory:
        """The stored directory, as last saved."""
        ...

    def counts(self) -> dict[str, int]:
        """Row counts per table, for ``zdsync status`` and tests."""
        ...


class DecisionStore(Protocol):
    """What decide and push need of the local model (issues 3 and 4). Implemented by the
    same store as ``MirrorStore``; every method is one transaction."""

    def decide_candidates(
        self, now: datetime, *, everything: bool = False
    ) -> tuple[list[int], int]:
        """Tickets to evaluate: written (row or audits) since the last recorded decide mark,
        or whose next due time is at or before ``now``; and the mark to record once they are
        decided. With nothing changed and nothing due: ``([], current mark)``.
        ``everything``: every mirrored ticket, for when what the rules read besides the
        tickets (their configuration, the directory) changed. Ids in ascending order."""
        ...

    def load_bundles(self, ids: Collection[int]) -> list[TicketBundle]:
        """The mirrored tickets among ``ids`` with their audits, in bulk."""
        ...

    def record_decisions(
        self,
        entries: Sequence[OutboxEntry],
        *,
        next_due: Mapping[int, datetime | None],
        mark: int | None,
    ) -> list[str]:
        """Enqueue ``entries`` (a key already present is left as it is), set each ticket's
        next due time, and record ``mark`` as decided (None: keep the mark), atomically.
        Returns the keys that were new."""
        ...

    def outbox(
        self,
        *,
        states: Collection[str] | None = None,
        ticket_id: int | None = None,
        keys: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        """Entries, oldest decision first, filtered by state, ticket and/or key."""
        ...

    def settle(
        self,
        key: str,
        *,
        state: str,
        error: str | None = None,
        audit_id: int | None = None,
        created_ticket_id: int | None = None,
        attempt: bool = True,
    ) -> None:
        """Record an attempt's outcome for one entry: its new state, and what Zendesk said.
        Counts the attempt unless ``attempt`` is false (the entry was not judged: it is left
        for the next cycle)."""
        ...


class Lease(Protocol):
    """A lock held by this process (``LockStore.try_lock``) until released."""

    def held(self) -> bool:
        """Whether the lock is still ours: False once released, or when the database
        session that held it was lost (another process may hold it now)."""
        ...

    def release(self) -> None:
        """Give the lock up; releasing twice does nothing."""
        ...


class LockStore(Protocol):
    """Named locks between the processes that share the store: replicas of the daemon, an
    operator's ``zdsync once``, cron runs. Never waited for: the caller skips or stops."""

    def try_lock(self, name: str, *, holder: str) -> Lease | None:
        """Take the lock ``name`` unless anyone holds it (another process, or another
        lease of this one); ``holder`` says who we are to whoever is refused."""
        ...

    def lock_holder(self, name: str) -> str | None:
        """The ``holder`` text of whoever holds the lock ``name``; None when nobody does."""
        ...


class ZendeskWriter(Protocol):
    """Writes to Zendesk (issue 4). Raises the ZendeskError tree of ``sync.errors``: a safe
    update refused because the ticket changed is ``TicketConflict``; a write that may have
    been applied without an answer is ``ZendeskUnavailable`` with ``maybe_applied``."""

    def update_ticket(self, change: TicketChange, *, system_field_id: int | None) -> UpdatedTicket:
        """One update (``PUT /api/v2/tickets/{id}``), a safe update when the change carries
        an ``updated_stamp``."""
        ...

    def update_many(self, ids: Sequence[int], change: TicketChange) -> list[BulkResult]:
        """The same additive change on every ticket of ``ids`` through update_many jobs
        (at most 100 tickets each), waiting for the jobs; one result per ticket."""
        ...

    def create_ticket(
        self, ticket: NewTicket, *, system_field_id: int | None = None
    ) -> CreatedTicket:
        """Create a ticket with its idempotency key (asking again is safe); the answer's
        ticket read with ``system_field_id`` as its "System"."""
        ...


class Zendesk(ZendeskReader, ZendeskWriter, Protocol):
    """Both sides of Zendesk, as one cycle uses them."""


class PushStore(Protocol):
    """What push needs of the store besides ``DecisionStore`` (issue 4); every method is one
    transaction."""

    def save_ticket(
        self, ticket: TicketRecord, audits: Sequence[AuditRecord] = (), *, all_audits: bool = False
    ) -> None:
        """Upsert one ticket as Zendesk just sent it (an update's answer, or a re-pull) with
        ``audits``, atomically, so the next decide sees it; a mirrored version that is newer
        (``TicketRecord.supersedes``) stays, and so does the export's ``generated_timestamp``
        (these answers carry none). ``all_audits``: they are all of the ticket's audits, so
        a pending audit fetch is no longer needed."""
        ...

    def note_follow_up(self, key: str, *, created_ticket_id: int | None) -> None:
        """Progress of an entry's follow-up ticket, without settling the entry or counting an
        attempt: None records that the ticket is being requested now (``last_error`` is
        ``FOLLOW_UP_REQUESTED``, ``updated_at`` the time, kept when the entry was marked
        already: the first request's); an id records the new ticket."""
        ...

    def requeue_failed(self, keys: Collection[str] | None = None) -> list[str]:
        """Queue failed entries again, atomically: pending, no attempt counted yet, no error
        (``zdsync retry``). All failed entries when ``keys`` is None, else the failed ones
        among ``keys``. Returns the keys queued again, oldest decision first."""
        ...

    def outbox_summary(self, *, errors: int = 5) -> OutboxSummary:
        """Entries per state, the oldest pending decision, and the ``errors`` entries with an
        error that were updated last."""
        ...


class CycleObserver(Protocol):
    """Told what each cycle did (metrics, health, notifications). Must not block the daemon
    for long; what it raises is logged and the cycle's result stands."""

    def cycle_ended(self, figures: CycleFigures) -> None: ...


class ApiObserver(Protocol):
    """Told about each HTTP exchange with Zendesk (the API metrics)."""

    def api_request(self, method: str, endpoint: str, status: str) -> None:
        """``endpoint`` is the path with ids as ``{id}``; ``status`` the HTTP status, or
        ``error`` when no answer came (connection refused, timeout)."""
        ...

    def api_retry(self, reason: str, wait_seconds: float) -> None:
        """A request is tried again after ``wait_seconds``; ``reason`` is ``rate_limited``
        (a 429) or ``unavailable`` (connection errors, 5xx)."""
        ...
