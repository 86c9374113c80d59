"""The decide step's side of the store: candidates, bundles, the outbox, due times.

Functions on a ``Connection`` inside the caller's transaction (``SqlStore`` opens it), like
``directory``. Three pieces of state serve "decide only what can have changed":

- ``tickets.changed_seq``, bumped by every write of a ticket's row or audits, and the decide
  mark in ``sync_state`` (``DECIDE_MARK_KEY``): the highest sequence already decided;
- ``ticket_due``: when a time-based rule next becomes true for a ticket;
- ``outbox``: the decisions, unique on their key, so deciding twice enqueues once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.store import schema
from adapters.store.bulk import BulkUpserts
from adapters.store.directory import chunks
from sync.records import (
    OUTBOX_STATES,
    AuditRecord,
    EventRecord,
    OutboxEntry,
    TicketBundle,
    TicketRecord,
)

#: Where the decide mark is kept in ``sync_state``.
DECIDE_MARK_KEY = "decide.mark"

_T, _A, _E = schema.tickets, schema.audits, schema.audit_events
_O, _D = schema.outbox, schema.ticket_due
# In the field order of TicketRecord, AuditRecord (events aside) and EventRecord.
_TICKET_COLUMNS = tuple(_T.c[f.name] for f in fields(TicketRecord))
_AUDIT_COLUMNS = tuple(_A.c[f.name] for f in fields(AuditRecord) if f.name != "events")
_EVENT_COLUMNS = tuple(_E.c[f.name] for f in fields(EventRecord))


def read_mark(conn: Connection) -> int:
    """The highest ``changed_seq`` already decided (0 before the first decide)."""
    state = schema.sync_state
    value = conn.execute(select(state.c.value).where(state.c.key == DECIDE_MARK_KEY)).scalar()
    return int(value) if value is not None else 0


def candidates(conn: Connection, now: datetime, *, everything: bool) -> tuple[list[int], int]:
    """Tickets changed since the mark (all with ``everything``) or due by ``now``, and the
    mark that covers them. The mark is the highest sequence read, not a separate maximum,
    so a write that lands after this query is above it and is decided next time."""
    recorded = read_mark(conn)
    since = 0 if everything else recorded
    query = select(_T.c.id, _T.c.changed_seq).where(_T.c.changed_seq > since)
    ids: set[int] = set()
    mark = recorded
    for row in conn.execute(query):
        ids.add(row.id)
        mark = max(mark, int(row.changed_seq))
    ids.update(conn.execute(select(_D.c.ticket_id).where(_D.c.next_due_at <= now)).scalars())
    return sorted(ids), mark


def load_bundles(conn: Connection, ids: Collection[int]) -> list[TicketBundle]:
    """The mirrored tickets among ``ids`` with their audits (oldest first), by ticket id.

    Records are built from plain row tuples, positionally: decide loads a thousand tickets
    with their audits in one go, and mapping rows by name cost three times the queries.
    The columns are selected in the records' field order (the contract suite compares the
    result with ``get_ticket`` and ``get_audits``).
    """
    bundles: list[TicketBundle] = []
    for chunk in chunks(sorted(set(ids))):
        events: dict[int, list[EventRecord]] = {}
        query = select(*_EVENT_COLUMNS).where(_E.c.ticket_id.in_(chunk))
        for row in _tuples(conn, query.order_by(_E.c.position, _E.c.id)):
            events.setdefault(row[1], []).append(EventRecord(*row))
        audits: dict[int, list[AuditRecord]] = {}
        query = select(*_AUDIT_COLUMNS).where(_A.c.ticket_id.in_(chunk))
        for audit_id, ticket_id, author, at, via, raw in _tuples(
            conn, query.order_by(_A.c.created_at, _A.c.id)
        ):
            found = tuple(events.get(audit_id, ()))
            record = AuditRecord(audit_id, ticket_id, author, at, via, found, raw)
            audits.setdefault(ticket_id, []).append(record)
        query = select(*_TICKET_COLUMNS).where(_T.c.id.in_(chunk))
        for row in _tuples(conn, query.order_by(_T.c.id)):
            ticket = _ticket(row)
            bundles.append(TicketBundle(ticket, tuple(audits.get(ticket.id, ()))))
    return bundles


def _ticket(row: tuple[Any, ...]) -> TicketRecord:
    ticket_id, status, group, assignee, requester, organization, custom_status = row[:7]
    subject, system, tags, created, updated, generated, raw = row[7:]
    return TicketRecord(
        ticket_id, status, group, assignee, requester, organization, custom_status,
        subject, system, tuple(tags), created, updated, generated, raw,
    )  # fmt: skip


def _tuples(conn: Connection, query: Select[Any]) -> Iterable[tuple[Any, ...]]:
    # Rows are tuples at run time; the cast lets them fill records positionally.
    return cast("Iterable[tuple[Any, ...]]", conn.execute(query))


def enqueue(conn: Connection, entries: Sequence[OutboxEntry], *, now: datetime) -> list[str]:
    """Insert the entries whose key is not in the outbox yet (the first of a repeated key
    wins); the keys inserted, in the order given."""
    fresh: dict[str, dict[str, Any]] = {}
    for entry in entries:
        check_state(entry.state, f"outbox entry {entry.key!r}")
        fresh.setdefault(entry.key, _row(entry, now))
    if not fresh:
        return []
    # ON CONFLICT DO NOTHING rather than a look-up first: a second decider running at the
    # same moment then neither fails nor counts the other's entries as its own.
    insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    statement = insert(_O).on_conflict_do_nothing(index_elements=["key"]).returning(_O.c.key)
    inserted: set[str] = set(conn.execute(statement, list(fresh.values())).scalars())
    return [key for key in fresh if key in inserted]


def schedule(conn: Connection, next_due: Mapping[int, datetime | None], bulk: BulkUpserts) -> None:
    """Set each ticket's next due time; None removes it (nothing due by time alone)."""
    cleared = sorted(ticket_id for ticket_id, due in next_due.items() if due is None)
    for chunk in chunks(cleared):
        conn.execute(delete(_D).where(_D.c.ticket_id.in_(chunk)))
    due_rows = [
        {"ticket_id": ticket_id, "next_due_at": due}
        for ticket_id, due in sorted(next_due.items())
        if due is not None
    ]
    bulk.upsert(conn, _D, due_rows, update=("next_due_at",))


def read_outbox(
    conn: Connection,
    *,
    states: Collection[str] | None,
    ticket_id: int | None,
    keys: Collection[str] | None = None,
) -> list[OutboxEntry]:
    """Entries, oldest decision first (then in the order they were enqueued)."""
    query = select(_O)
    if states is not None:
        for state in states:
            check_state(state, "outbox filter")
        query = query.where(_O.c.state.in_(sorted(states)))
    if ticket_id is not None:
        query = query.where(_O.c.ticket_id == ticket_id)
    if keys is None:
        result = conn.execute(query.order_by(_O.c.decided_at, _O.c.id)).mappings()
        return [_entry(row) for row in result]
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(sorted(set(keys))):
        rows = conn.execute(query.where(_O.c.key.in_(chunk))).mappings()
        found += [((row["decided_at"], row["id"]), _entry(row)) for row in rows]
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


def settle(
    conn: Connection,
    key: str,
    *,
    state: str,
    error: str | None,
    audit_id: int | None,
    created_ticket_id: int | None,
    attempt: bool = True,
    now: datetime,
) -> None:
    """Record one attempt's outcome (counted unless ``attempt`` is false). Ids already
    known are kept when none is given: a follow-up ticket created by an earlier attempt
    must not be forgotten by a later one."""
    check_state(state, f"settle {key!r}")
    values: dict[str, Any] = {
        "state": state,
        "attempts": _O.c.attempts + (1 if attempt else 0),
        "last_error": error,
        "updated_at": now,
    }
    if audit_id is not None:
        values["audit_id"] = audit_id
    if created_ticket_id is not None:
        values["created_ticket_id"] = created_ticket_id
    done = conn.execute(update(_O).where(_O.c.key == key).values(**values))
    if done.rowcount == 0:
        raise LookupError(f"settle: no outbox entry has the key {key!r}")


def check_state(state: str, where: str) -> None:
    if state not in OUTBOX_STATES:
        raise ValueError(f"{where}: state {state!r} is not one of {', '.join(OUTBOX_STATES)}")


def _row(entry: OutboxEntry, now: datetime) -> dict[str, Any]:
    return {
        "key": entry.key,
        "ticket_id": entry.ticket_id,
        "rule": entry.rule,
        "actions": [dict(action) for action in entry.actions],
        "facts": dict(entry.facts),
        "state": entry.state,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "audit_id": entry.audit_id,
        "created_ticket_id": entry.created_ticket_id,
        "decided_at": entry.decided_at,
        "updated_at": now,
    }


def _entry(row: Mapping[Any, Any]) -> OutboxEntry:
    return OutboxEntry(
        key=row["key"],
        ticket_id=row["ticket_id"],
        rule=row["rule"],
        actions=tuple(row["actions"]),
        facts=row["facts"],
        decided_at=row["decided_at"],
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        audit_id=row["audit_id"],
        created_ticket_id=row["created_ticket_id"],
        updated_at=row["updated_at"],
    )
