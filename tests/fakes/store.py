"""``FakeStore``: the ``MirrorStore`` and ``DecisionStore`` ports in memory, for the
cycle's unit tests.

A plain class (it subclasses nothing) that keeps records in dicts. Every write works on a
copy of the state and swaps it in at the end, so a failure half-way leaves nothing
behind, as a database transaction would. ``tests/store`` runs the same contract suite
over it and over ``SqlStore`` on SQLite and PostgreSQL, so the two cannot drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sync.ports import Clock
from sync.records import (
    CLOSED_STATUSES,
    AuditBatch,
    AuditRecord,
    Directory,
    EventRecord,
    OutboxEntry,
    OutboxSummary,
    TicketBundle,
    TicketQuery,
    TicketRecord,
    TicketSummary,
    UnreadableTicket,
    UserRecord,
)
from tests.fakes import decisions, pushes

T = TypeVar("T")


class InjectedFault(RuntimeError):
    """Raised by a write the test asked to fail (see ``FakeStore.failing_keys``)."""


@dataclass(frozen=True, slots=True)
class _Mirrored:
    ticket: TicketRecord
    mirrored_at: datetime
    changed_seq: int
    audits_pending_since: datetime | None = None


@dataclass
class FakeState:
    tickets: dict[int, _Mirrored] = field(default_factory=dict)
    audits: dict[int, AuditRecord] = field(default_factory=dict)
    events: dict[int, EventRecord] = field(default_factory=dict)
    directory: Directory = field(default_factory=Directory)
    sync_state: dict[str, str] = field(default_factory=dict)
    #: By key, in the order enqueued.
    outbox: dict[str, OutboxEntry] = field(default_factory=dict)
    #: Each ticket's next due time (tickets with none have no entry).
    due: dict[int, datetime] = field(default_factory=dict)
    #: Remembered unreadable tickets by id (``since``, ``last_seen`` and ``tries`` set).
    unreadable: dict[int, UnreadableTicket] = field(default_factory=dict)

    def copy(self) -> FakeState:
        # Records are frozen, so copying the containers is a full snapshot.
        return FakeState(
            dict(self.tickets),
            dict(self.audits),
            dict(self.events),
            self.directory,
            dict(self.sync_state),
            dict(self.outbox),
            dict(self.due),
            dict(self.unreadable),
        )

    def next_seq(self) -> int:
        return max((m.changed_seq for m in self.tickets.values()), default=0) + 1


class FakeStore:
    """The local mirror in memory. ``failing_keys``: state keys whose writes raise
    ``InjectedFault``, to check that a save is all or nothing."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._state = FakeState()
        self.failing_keys: set[str] = set()
        #: Held locks: name -> holder. A test may put one here to play another process.
        self.locks: dict[str, str] = {}

    def read_state(self, key: str) -> str | None:
        return self._state.sync_state.get(key)

    def write_state(self, key: str, value: str) -> None:
        with self._transaction() as state:
            self._put_state(state, key, value)

    def ticket_versions(self, ids: Collection[int]) -> dict[int, datetime]:
        tickets = self._state.tickets
        return {i: tickets[i].ticket.updated_at for i in set(ids) if i in tickets}

    def save_export_page(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        cursor_key: str,
        cursor: str | None,
        unreadable: Sequence[UnreadableTicket] = (),
    ) -> None:
        now = self._clock.now()
        with self._transaction() as state:
            self._store_tickets(state, tickets, needs_audits, now)
            spoiled = {u.ticket_id for u in unreadable}
            for ticket_id in {t.id for t in tickets} - spoiled:
                state.unreadable.pop(ticket_id, None)
            for found in unreadable:
                before = state.unreadable.get(found.ticket_id)
                state.unreadable[found.ticket_id] = UnreadableTicket(
                    found.ticket_id, found.reason, since=before.since if before else now,
                    tries=before.tries if before else 0, last_seen=now,
                )  # fmt: skip
            self._put_state(state, cursor_key, cursor)

    def save_reread(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        still_unreadable: Sequence[UnreadableTicket] = (),
        forget: Collection[int] = (),
    ) -> None:
        now = self._clock.now()
        with self._transaction() as state:
            self._store_tickets(state, tickets, needs_audits, now)
            for ticket_id in {*forget, *(t.id for t in tickets)}:
                state.unreadable.pop(ticket_id, None)
            for found in still_unreadable:
                before = state.unreadable.get(found.ticket_id)
                if before is not None:
                    state.unreadable[found.ticket_id] = dataclasses.replace(
                        before, reason=found.reason, tries=before.tries + 1, last_seen=now
                    )

    def unreadable_tickets(self) -> list[UnreadableTicket]:
        remembered = self._state.unreadable.values()
        return sorted(remembered, key=lambda u: (u.since or self._clock.now(), u.ticket_id))

    def _store_tickets(
        self,
        state: FakeState,
        tickets: Sequence[TicketRecord],
        needs_audits: Collection[int],
        now: datetime,
    ) -> None:
        """The export's way of storing tickets (see ``save_export_page``), in ``state``."""
        seq = state.next_seq()
        for incoming in tickets:
            before = state.tickets.get(incoming.id)
            if before is not None and not incoming.supersedes(before.ticket):
                continue
            stored = incoming
            if before is not None and incoming.deleted:
                stored = dataclasses.replace(
                    before.ticket,
                    status=incoming.status,
                    generated_timestamp=incoming.generated_timestamp,
                )
            stored = _keep_stamp(stored, before)
            pending = before.audits_pending_since if before else None
            state.tickets[incoming.id] = _Mirrored(stored, now, seq, pending)
        for ticket_id in set(needs_audits) & state.tickets.keys():
            mirrored = state.tickets[ticket_id]
            if mirrored.audits_pending_since is None:
                state.tickets[ticket_id] = dataclasses.replace(mirrored, audits_pending_since=now)

    def tickets_needing_audits(self, limit: int | None = None) -> list[int]:
        flagged = sorted(
            (m.audits_pending_since, i)
            for i, m in self._state.tickets.items()
            if m.audits_pending_since is not None
        )
        return [i for _, i in flagged][:limit]

    def save_audits(self, batch: AuditBatch) -> None:
        batch.check()
        with self._transaction() as state:
            mirrored = state.tickets.get(batch.ticket_id)
            if mirrored is None:
                raise LookupError(f"save_audits: ticket {batch.ticket_id} is not mirrored")
            state.tickets[batch.ticket_id] = dataclasses.replace(
                mirrored, audits_pending_since=None, changed_seq=state.next_seq()
            )
            for audit in batch.audits:
                state.audits[audit.id] = dataclasses.replace(audit, events=())
                state.events.update((event.id, event) for event in audit.events)

    def clear_audit_flag(self, ticket_id: int) -> None:
        with self._transaction() as state:
            mirrored = state.tickets.get(ticket_id)
            if mirrored is not None:
                state.tickets[ticket_id] = dataclasses.replace(mirrored, audits_pending_since=None)

    def save_directory(self, directory: Directory) -> None:
        with self._transaction() as state:
            # End users saved one by one survive: the directory lists agents and admins.
            people = [u for u in state.directory.users if u.role == "end-user"]
            staff = {u.id for u in directory.users}
            kept = [u for u in people if u.id not in staff]
            state.directory = Directory(
                users=_by_id((*kept, *directory.users), lambda u: u.id),
                groups=_by_id(directory.groups, lambda g: g.id),
                memberships=_by_id(directory.memberships, lambda m: m.id),
                organizations=_by_id(directory.organizations, lambda o: o.id),
                ticket_fields=_by_id(directory.ticket_fields, lambda f: f.id),
                custom_statuses=_by_id(directory.custom_statuses, lambda s: s.id),
            )

    def save_users(self, users: Sequence[UserRecord]) -> None:
        with self._transaction() as state:
            replaced = {u.id for u in users}
            others = [u for u in state.directory.users if u.id not in replaced]
            state.directory = dataclasses.replace(
                state.directory, users=_by_id((*others, *users), lambda u: u.id)
            )

    def list_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        if query.state not in {None, "open", "closed"}:
            raise ValueError(
                f"TicketQuery.state: expected 'open', 'closed' or None, got {query.state!r}"
            )
        orgs = {o.id: o.name for o in self._state.directory.organizations}
        groups = {g.id: g.name for g in self._state.directory.groups}
        found = [
            m.ticket
            for m in self._state.tickets.values()
            if (not query.group_ids or m.ticket.group_id in query.group_ids)
            and (
                query.state is None
                or (m.ticket.status in CLOSED_STATUSES) == (query.state == "closed")
            )
        ]
        found.sort(key=lambda t: (t.updated_at, t.id), reverse=True)
        return [
            TicketSummary(
                id=t.id,
                entity=orgs.get(t.organization_id) if t.organization_id is not None else None,
                system=t.system,
                subject=t.subject,
                created_at=t.created_at,
                updated_at=t.updated_at,
                status=t.status,
                group_id=t.group_id,
                group_name=groups.get(t.group_id) if t.group_id is not None else None,
            )
            for t in found[: query.limit]
        ]

    def get_ticket(self, ticket_id: int) -> TicketRecord | None:
        mirrored = self._state.tickets.get(ticket_id)
        return None if mirrored is None else mirrored.ticket

    def get_audits(self, ticket_id: int) -> list[AuditRecord]:
        audits = sorted(
            (a for a in self._state.audits.values() if a.ticket_id == ticket_id),
            key=lambda a: (a.created_at, a.id),
        )
        events = sorted(
            (e for e in self._state.events.values() if e.ticket_id == ticket_id),
            key=lambda e: (e.position, e.id),
        )
        return [
            dataclasses.replace(a, events=tuple(e for e in events if e.audit_id == a.id))
            for a in audits
        ]

    def get_users(self, ids: Collection[int] | None = None) -> dict[int, UserRecord]:
        users = {u.id: u for u in self._state.directory.users}
        return users if ids is None else {i: users[i] for i in set(ids) if i in users}

    def load_directory(self) -> Directory:
        return self._state.directory

    def counts(self) -> dict[str, int]:
        state, directory = self._state, self._state.directory
        return {
            "tickets": len(state.tickets),
            "audits": len(state.audits),
            "audit_events": len(state.events),
            "users": len(directory.users),
            "groups": len(directory.groups),
            "group_memberships": len(directory.memberships),
            "organizations": len(directory.organizations),
            "ticket_fields": len(directory.ticket_fields),
            "custom_statuses": len(directory.custom_statuses),
            "sync_state": len(state.sync_state),
            "outbox": len(state.outbox),
            "ticket_due": len(state.due),
            "unreadable_tickets": len(state.unreadable),
        }

    # -- DecisionStore (sync.ports); the bookkeeping lives in tests.fakes.decisions ----

    def decide_candidates(
        self, now: datetime, *, everything: bool = False
    ) -> tuple[list[int], int]:
        return decisions.candidates(self._state, now, everything=everything)

    def load_bundles(self, ids: Collection[int]) -> list[TicketBundle]:
        found = sorted(set(ids) & self._state.tickets.keys())
        return [
            TicketBundle(self._state.tickets[i].ticket, tuple(self.get_audits(i))) for i in found
        ]

    def record_decisions(
        self,
        entries: Sequence[OutboxEntry],
        *,
        next_due: Mapping[int, datetime | None],
        mark: int | None,
    ) -> list[str]:
        with self._transaction() as state:
            new = decisions.enqueue(state, entries, now=self._clock.now())
            decisions.schedule(state, next_due)
            if mark is not None:
                self._put_state(state, decisions.DECIDE_MARK_KEY, str(mark))
        return new

    def outbox(
        self,
        *,
        states: Collection[str] | None = None,
        ticket_id: int | None = None,
        keys: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        return decisions.read_outbox(self._state, states=states, ticket_id=ticket_id, keys=keys)

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
        with self._transaction() as working:
            decisions.settle(
                working, key, state=state, error=error, audit_id=audit_id,
                created_ticket_id=created_ticket_id, attempt=attempt, now=self._clock.now(),
            )  # fmt: skip

    # -- PushStore (sync.ports); follow-ups and the summary live in tests.fakes.pushes ----

    def save_ticket(
        self, ticket: TicketRecord, audits: Sequence[AuditRecord] = (), *, all_audits: bool = False
    ) -> None:
        AuditBatch(ticket.id, tuple(audits)).check()
        now = self._clock.now()
        with self._transaction() as state:
            before = state.tickets.get(ticket.id)
            if before is None or ticket.supersedes(before.ticket):
                pending = None if all_audits or before is None else before.audits_pending_since
                stored = _keep_stamp(ticket, before)
                state.tickets[ticket.id] = _Mirrored(stored, now, state.next_seq(), pending)
            elif all_audits and before.ticket.updated_at == ticket.updated_at:
                state.tickets[ticket.id] = dataclasses.replace(before, audits_pending_since=None)
            for audit in audits:
                state.audits[audit.id] = dataclasses.replace(audit, events=())
                state.events.update((event.id, event) for event in audit.events)

    def note_follow_up(self, key: str, *, created_ticket_id: int | None) -> None:
        with self._transaction() as state:
            pushes.note_follow_up(
                state, key, created_ticket_id=created_ticket_id, now=self._clock.now()
            )

    def requeue_failed(self, keys: Collection[str] | None = None) -> list[str]:
        with self._transaction() as working:
            return pushes.requeue_failed(working, keys, now=self._clock.now())

    def outbox_summary(self, *, errors: int = 5) -> OutboxSummary:
        return pushes.summary(self._state, errors=errors)

    # -- LockStore (sync.ports): the store's processes are the leases of this object -----

    def try_lock(self, name: str, *, holder: str) -> FakeLease | None:
        if name in self.locks:
            return None
        self.locks[name] = holder
        return FakeLease(self, name)

    def lock_holder(self, name: str) -> str | None:
        return self.locks.get(name)

    @contextmanager
    def _transaction(self) -> Iterator[FakeState]:
        working = self._state.copy()
        yield working
        self._state = working

    def _put_state(self, state: FakeState, key: str, value: str | None) -> None:
        if key in self.failing_keys:
            raise InjectedFault(f"writing state key {key!r} fails (injected)")
        if value is None:
            state.sync_state.pop(key, None)
        else:
            state.sync_state[key] = value


class FakeLease:
    def __init__(self, store: FakeStore, name: str) -> None:
        self._store: FakeStore | None = store
        self._name = name

    def held(self) -> bool:
        return self._store is not None and self._name in self._store.locks

    def release(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.locks.pop(self._name, None)


def _by_id(items: Sequence[T], key: Callable[[T], int]) -> tuple[T, ...]:
    return tuple(sorted(items, key=key))


def _keep_stamp(ticket: TicketRecord, before: _Mirrored | None) -> TicketRecord:
    """The export's stamp stays known when a newer version comes from an answer without one."""
    if ticket.generated_timestamp is not None or before is None:
        return ticket
    return dataclasses.replace(ticket, generated_timestamp=before.ticket.generated_timestamp)
