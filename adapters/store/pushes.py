"""The push step's side of the store (issue 4): a ticket as Zendesk just sent it, the
progress of a follow-up ticket, and the outbox summary of ``zdsync status``.

Functions on a ``Connection`` inside the caller's transaction (``SqlStore`` opens it), like
``decisions``. No schema change: the outbox already has every column these need.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, func, select, update

from adapters.store import rows, schema, versions
from adapters.store.bulk import BulkUpserts
from adapters.store.directory import chunks
from sync.records import (
    FOLLOW_UP_REQUESTED,
    OUTBOX_STATES,
    AuditRecord,
    OutboxEntry,
    OutboxSummary,
    TicketRecord,
)

_T, _O = schema.tickets, schema.outbox


def save_ticket(
    conn: Connection,
    ticket: TicketRecord,
    audits: Sequence[AuditRecord],
    *,
    all_audits: bool,
    now: datetime,
    seq: int,
    bulk: BulkUpserts,
) -> None:
    """Upsert the ticket (every column, as a new export version would, unless the stored
    version is newer: ``TicketRecord.supersedes``; the export's stamp stays when the answer
    has none) and ``audits``; the ticket's audit fetch flag is kept unless ``all_audits``."""
    row = rows.ticket_row(ticket, mirrored_at=now, changed_seq=seq)
    columns = tuple(c for c in row if c != "id")
    bulk.upsert(
        conn, _T, [row], update=columns, only_if=versions.newer_version,
        keep_when_null=versions.KEEP_WHEN_NULL,
    )  # fmt: skip
    if all_audits:  # of this version: a newer one kept instead still needs its own
        conn.execute(
            update(_T)
            .where(_T.c.id == ticket.id, _T.c.updated_at == ticket.updated_at)
            .values(audits_pending_since=None)
        )
    audit_rows = [rows.audit_row(a) for a in audits]
    event_rows = [rows.event_row(e) for a in audits for e in a.events]
    bulk.upsert(conn, schema.audits, audit_rows, update=_non_key(schema.audits))
    bulk.upsert(conn, schema.audit_events, event_rows, update=_non_key(schema.audit_events))


def note_follow_up(
    conn: Connection, key: str, *, created_ticket_id: int | None, now: datetime
) -> None:
    """Mark a follow-up as requested (None) or record its ticket; state and attempts stay.
    A mark already there keeps its time: the first request's (the SET reads the old row)."""
    values: dict[str, object] = {"updated_at": now}
    if created_ticket_id is None:
        values["last_error"] = FOLLOW_UP_REQUESTED
        marked = _O.c.last_error == FOLLOW_UP_REQUESTED
        values["updated_at"] = case((marked, _O.c.updated_at), else_=now)
    else:
        values |= {"created_ticket_id": created_ticket_id, "last_error": None}
    done = conn.execute(update(_O).where(_O.c.key == key).values(**values))
    if done.rowcount == 0:
        raise LookupError(f"note_follow_up: no outbox entry has the key {key!r}")


def requeue_failed(conn: Connection, keys: Collection[str] | None, *, now: datetime) -> list[str]:
    """Failed entries (among ``keys`` when given) back to pending with a fresh count. One
    UPDATE per chunk that checks the state itself, so an entry a push settles meanwhile is
    left as that push left it."""
    requeue = (
        update(_O)
        .where(_O.c.state == "failed")
        .values(state="pending", attempts=0, last_error=None, updated_at=now)
        .returning(_O.c.key, _O.c.decided_at, _O.c.id)
    )
    found: list[tuple[Any, ...]] = []
    if keys is None:
        found = [tuple(row) for row in conn.execute(requeue)]
    else:
        for chunk in chunks(sorted(set(keys))):
            found += [tuple(row) for row in conn.execute(requeue.where(_O.c.key.in_(chunk)))]
    return [key for key, *_ in sorted(found, key=lambda row: (row[1], row[2]))]


def summary(conn: Connection, *, errors: int) -> OutboxSummary:
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    for row in conn.execute(select(_O.c.state, func.count().label("n")).group_by(_O.c.state)):
        counts[row.state] = int(row.n)
    oldest = conn.execute(select(func.min(_O.c.decided_at)).where(_O.c.state == "pending")).scalar()
    erring = conn.execute(
        select(_O)
        .where(_O.c.last_error.is_not(None))
        .order_by(_O.c.updated_at.desc(), _O.c.id.desc())
        .limit(errors)
    ).mappings()
    return OutboxSummary(
        counts=counts, oldest_pending=oldest, last_errors=tuple(_entry(row) for row in erring)
    )


def _entry(row: Mapping[Any, Any]) -> OutboxEntry:
    values = {f.name: row[f.name] for f in dataclasses.fields(OutboxEntry)}
    return OutboxEntry(**{**values, "actions": tuple(values["actions"])})


def _non_key(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if not c.primary_key)
