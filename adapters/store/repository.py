"""``SqlStore``: the ``MirrorStore``, ``DecisionStore``, ``PushStore`` and ``LockStore``
ports on SQLAlchemy Core, for SQLite and PostgreSQL.

Every public method runs in one transaction, so it is applied whole or not at all; reads
see one snapshot and writes on SQLite lock the database up front
(``adapters.store.isolation``). Writes are bulk ``INSERT .. ON CONFLICT DO UPDATE`` statements, one
executemany per table, which makes every save idempotent: the same page twice leaves the
same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, update

from adapters.store import decisions, pushes, rows, schema, versions
from adapters.store import unreadable as remembered
from adapters.store.bulk import BulkUpserts
from adapters.store.directory import (
    chunks,
    read_directory,
    read_users,
    replace_directory,
    upsert_users,
)
from adapters.store.failures import translated
from adapters.store.isolation import for_reading, for_writing
from adapters.store.listing import list_query
from adapters.store.locks import advisory_lock_in_transaction, locks_for
from sync.ports import Clock, Lease
from sync.records import (
    AuditBatch,
    AuditRecord,
    Directory,
    OutboxEntry,
    OutboxSummary,
    TicketBundle,
    TicketQuery,
    TicketRecord,
    TicketSummary,
    UnreadableTicket,
    UserRecord,
)

_T = schema.tickets

#: Columns a new version of a ticket overwrites: all but the key and our audit flag.
_TICKET_COLUMNS = tuple(c.name for c in _T.columns if c.name not in {"id", "audits_pending_since"})
#: Columns a deleted ticket's update may touch: Zendesk's tombstone carries nothing else
#: worth keeping, so the last real version stays readable.
_TOMBSTONE_COLUMNS = ("status", "generated_timestamp", "mirrored_at", "changed_seq")


class SqlStore:
    """The local mirror in a SQL database. Build it with ``open_store``."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine = engine
        self._reader = for_reading(engine)
        self._writer = for_writing(engine)
        self._locks = locks_for(engine)
        self._clock = clock
        self._bulk = BulkUpserts()

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Release the connection pool."""
        self._engine.dispose()

    def read_state(self, key: str) -> str | None:
        with self._reading("read_state") as conn:
            table = schema.sync_state
            return conn.execute(select(table.c.value).where(table.c.key == key)).scalar()

    def write_state(self, key: str, value: str) -> None:
        with self._writing("write_state") as conn:
            self._put_state(conn, key, value)

    def ticket_versions(self, ids: Collection[int]) -> dict[int, datetime]:
        versions: dict[int, datetime] = {}
        with self._reading("ticket_versions") as conn:
            for chunk in chunks(sorted(set(ids))):
                query = select(_T.c.id, _T.c.updated_at).where(_T.c.id.in_(chunk))
                versions.update(conn.execute(query).all())
        return versions

    def save_export_page(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        cursor_key: str,
        cursor: str | None,
        unreadable: Sequence[UnreadableTicket] = (),
    ) -> None:
        """Upsert ``tickets`` and set ``cursor_key`` to ``cursor`` (None removes it).

        A ticket that appears twice on a page ends as the later version; a deleted ticket
        keeps the columns and raw JSON of the version stored before it; a version older
        than the stored one (``TicketRecord.supersedes``) leaves the stored one as it is.
        The page's ``unreadable`` tickets are remembered, its readable ones forgotten
        there (an id on the page both ways stays remembered: the re-read settles it).
        """
        now = self._clock.now()
        with self._writing("save_export_page") as conn:
            self._upsert_tickets(conn, tickets, needs_audits, now)
            unreadable_ids = {u.ticket_id for u in unreadable}
            remembered.forget(conn, {t.id for t in tickets} - unreadable_ids)
            remembered.remember(conn, unreadable, now=now, bulk=self._bulk)
            self._put_state(conn, cursor_key, cursor)

    def save_reread(
        self,
        tickets: Sequence[TicketRecord],
        *,
        needs_audits: Collection[int],
        still_unreadable: Sequence[UnreadableTicket] = (),
        forget: Collection[int] = (),
    ) -> None:
        now = self._clock.now()
        with self._writing("save_reread") as conn:
            self._upsert_tickets(conn, tickets, needs_audits, now)
            remembered.forget(conn, {*forget, *(t.id for t in tickets)})
            remembered.still_unreadable(conn, still_unreadable, now=now)

    def unreadable_tickets(self) -> list[UnreadableTicket]:
        with self._reading("unreadable_tickets") as conn:
            return remembered.read(conn)

    def _upsert_tickets(
        self,
        conn: Connection,
        tickets: Sequence[TicketRecord],
        needs_audits: Collection[int],
        now: datetime,
    ) -> None:
        """The export's way of storing tickets (see ``save_export_page``), in ``conn``."""
        seq = _next_seq(conn)
        live: list[rows.Row] = []
        gone: list[rows.Row] = []
        for ticket in _fold(tickets):
            row = rows.ticket_row(ticket, mirrored_at=now, changed_seq=seq)
            (gone if ticket.deleted else live).append(row)
        self._bulk.upsert(
            conn, _T, live, update=_TICKET_COLUMNS, only_if=versions.newer_version,
            keep_when_null=versions.KEEP_WHEN_NULL,
        )  # fmt: skip
        self._bulk.upsert(
            conn, _T, gone, update=_TOMBSTONE_COLUMNS, only_if=versions.newer_tombstone,
            keep_when_null=versions.KEEP_WHEN_NULL,
        )  # fmt: skip
        for chunk in chunks(sorted(set(needs_audits))):
            conn.execute(
                update(_T)
                .where(_T.c.id.in_(chunk), _T.c.audits_pending_since.is_(None))
                .values(audits_pending_since=now)
            )

    def tickets_needing_audits(self, limit: int | None = None) -> list[int]:
        query = (
            select(_T.c.id)
            .where(_T.c.audits_pending_since.is_not(None))
            .order_by(_T.c.audits_pending_since, _T.c.id)
            .limit(limit)
        )
        with self._reading("tickets_needing_audits") as conn:
            return list(conn.execute(query).scalars())

    def save_audits(self, batch: AuditBatch) -> None:
        """Upsert the audits of one mirrored ticket and clear its flag.

        Raises ``LookupError`` when the ticket is not mirrored and ``ValueError`` when an
        audit or event names another ticket or audit than the one it is filed under.
        """
        batch.check()
        audit_rows = [rows.audit_row(a) for a in batch.audits]
        event_rows = [rows.event_row(e) for a in batch.audits for e in a.events]
        with self._writing("save_audits") as conn:
            done = conn.execute(
                update(_T)
                .where(_T.c.id == batch.ticket_id)
                .values(audits_pending_since=None, changed_seq=_next_seq(conn))
            )
            if done.rowcount == 0:
                raise LookupError(f"save_audits: ticket {batch.ticket_id} is not mirrored")
            self._bulk.upsert(conn, schema.audits, audit_rows, update=_non_key(schema.audits))
            self._bulk.upsert(
                conn, schema.audit_events, event_rows, update=_non_key(schema.audit_events)
            )

    def clear_audit_flag(self, ticket_id: int) -> None:
        with self._writing("clear_audit_flag") as conn:
            conn.execute(update(_T).where(_T.c.id == ticket_id).values(audits_pending_since=None))

    def save_directory(self, directory: Directory) -> None:
        with self._writing("save_directory") as conn:
            replace_directory(conn, directory, self._bulk)

    def save_users(self, users: Sequence[UserRecord]) -> None:
        with self._writing("save_users") as conn:
            upsert_users(conn, users, self._bulk)

    def list_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        """Seed 000's List Mode: latest update first, then the higher id."""
        with self._reading("list_tickets") as conn:
            result = conn.execute(list_query(query))
            return [TicketSummary(**row) for row in result.mappings()]

    def get_ticket(self, ticket_id: int) -> TicketRecord | None:
        with self._reading("get_ticket") as conn:
            row = conn.execute(select(_T).where(_T.c.id == ticket_id)).mappings().first()
        return None if row is None else rows.ticket_record(row)

    def get_audits(self, ticket_id: int) -> list[AuditRecord]:
        audits, events = schema.audits, schema.audit_events
        with self._reading("get_audits") as conn:
            audit_rows = conn.execute(
                select(audits)
                .where(audits.c.ticket_id == ticket_id)
                .order_by(audits.c.created_at, audits.c.id)
            ).mappings()
            event_rows = conn.execute(
                select(events)
                .where(events.c.ticket_id == ticket_id)
                .order_by(events.c.audit_id, events.c.position, events.c.id)
            ).mappings()
            by_audit: dict[int, list[Any]] = {}
            for event in event_rows:
                by_audit.setdefault(event["audit_id"], []).append(event)
            return [rows.audit_record(a, by_audit.get(a["id"], [])) for a in audit_rows]

    def get_users(self, ids: Collection[int] | None = None) -> dict[int, UserRecord]:
        with self._reading("get_users") as conn:
            return read_users(conn, ids)

    def load_directory(self) -> Directory:
        with self._reading("load_directory") as conn:
            return read_directory(conn)

    def counts(self) -> dict[str, int]:
        with self._reading("counts") as conn:
            return {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in schema.metadata.sorted_tables
            }

    # -- DecisionStore (sync.ports): the SQL lives in adapters.store.decisions --------

    def decide_candidates(
        self, now: datetime, *, everything: bool = False
    ) -> tuple[list[int], int]:
        with self._reading("decide_candidates") as conn:
            return decisions.candidates(conn, now, everything=everything)

    def load_bundles(self, ids: Collection[int]) -> list[TicketBundle]:
        with self._reading("load_bundles") as conn:
            return decisions.load_bundles(conn, ids)

    def record_decisions(
        self,
        entries: Sequence[OutboxEntry],
        *,
        next_due: Mapping[int, datetime | None],
        mark: int | None,
    ) -> list[str]:
        """Enqueue, schedule and mark in one transaction; the mark is written last."""
        with self._writing("record_decisions") as conn:
            new = decisions.enqueue(conn, entries, now=self._clock.now())
            decisions.schedule(conn, next_due, self._bulk)
            if mark is not None:
                self._put_state(conn, decisions.DECIDE_MARK_KEY, str(mark))
        return new

    def outbox(
        self,
        *,
        states: Collection[str] | None = None,
        ticket_id: int | None = None,
        keys: Collection[str] | None = None,
    ) -> list[OutboxEntry]:
        with self._reading("outbox") as conn:
            return decisions.read_outbox(conn, states=states, ticket_id=ticket_id, keys=keys)

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
        with self._writing("settle") as conn:
            decisions.settle(
                conn, key, state=state, error=error, audit_id=audit_id,
                created_ticket_id=created_ticket_id, attempt=attempt, now=self._clock.now(),
            )  # fmt: skip

    # -- PushStore (sync.ports): the SQL lives in adapters.store.pushes ------------------

    def save_ticket(
        self, ticket: TicketRecord, audits: Sequence[AuditRecord] = (), *, all_audits: bool = False
    ) -> None:
        AuditBatch(ticket.id, tuple(audits)).check()
        with self._writing("save_ticket") as conn:
            pushes.save_ticket(
                conn, ticket, audits, all_audits=all_audits, now=self._clock.now(),
                seq=_next_seq(conn), bulk=self._bulk,
            )  # fmt: skip

    def note_follow_up(self, key: str, *, created_ticket_id: int | None) -> None:
        with self._writing("note_follow_up") as conn:
            pushes.note_follow_up(
                conn, key, created_ticket_id=created_ticket_id, now=self._clock.now()
            )

    def requeue_failed(self, keys: Collection[str] | None = None) -> list[str]:
        with self._writing("requeue_failed") as conn:
            return pushes.requeue_failed(conn, keys, now=self._clock.now())

    def outbox_summary(self, *, errors: int = 5) -> OutboxSummary:
        with self._reading("outbox_summary") as conn:
            return pushes.summary(conn, errors=errors)

    # -- LockStore (sync.ports): the locks live in adapters.store.locks -----------------

    def try_lock(self, name: str, *, holder: str) -> Lease | None:
        with translated(self._engine.url, f"taking the {name} lock"):
            return self._locks.try_lock(name, holder=holder)

    def lock_holder(self, name: str) -> str | None:
        with translated(self._engine.url, f"asking who holds the {name} lock"):
            return self._locks.lock_holder(name)

    @contextmanager
    def _reading(self, doing: str) -> Iterator[Connection]:
        """A read-only transaction on one snapshot (``adapters.store.isolation``)."""
        with translated(self._engine.url, doing), self._reader.begin() as conn:
            yield conn

    @contextmanager
    def _writing(self, doing: str) -> Iterator[Connection]:
        with translated(self._engine.url, doing), self._writer.begin() as conn:
            yield conn

    def _put_state(self, conn: Connection, key: str, value: str | None) -> None:
        table = schema.sync_state
        if value is None:
            conn.execute(table.delete().where(table.c.key == key))
            return
        row = {"key": key, "value": value, "updated_at": self._clock.now()}
        self._bulk.upsert(conn, table, [row], update=("value", "updated_at"))


def _fold(tickets: Sequence[TicketRecord]) -> list[TicketRecord]:
    """One record per id, as if the page's records were applied one after another."""
    latest: dict[int, TicketRecord] = {}
    for incoming in tickets:
        before = latest.get(incoming.id)
        if before is not None and not incoming.supersedes(before):
            continue
        latest[incoming.id] = (
            dataclasses.replace(
                before, status=incoming.status, generated_timestamp=incoming.generated_timestamp
            )
            if before is not None and incoming.deleted
            else incoming
        )
    return list(latest.values())


def _next_seq(conn: Connection) -> int:
    # Writers of tickets take turns until they commit, so the highest mark plus one is a
    # fresh mark and no write commits below a mark that decide has already read.
    advisory_lock_in_transaction(conn, "changed_seq")
    highest = conn.execute(select(func.max(_T.c.changed_seq))).scalar()
    return (highest or 0) + 1


def _non_key(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if not c.primary_key)
