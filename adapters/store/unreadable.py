"""The tickets Zendesk sent that could not be read, remembered until a read succeeds.

The export's cursor moves past a record the parser refuses; without this table the ticket
would not be mirrored again until it changed in Zendesk. Rows are few (a spoiled record
is rare), so they are written one statement per row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from adapters.store.bulk import BulkUpserts
from adapters.store.directory import chunks
from adapters.store.schema import unreadable_tickets
from sync.records import UnreadableTicket

_U = unreadable_tickets


def remember(
    conn: Connection, found: Sequence[UnreadableTicket], *, now: datetime, bulk: BulkUpserts
) -> None:
    """Met unreadable in the export: a new row, or the reason and last time updated (the
    first time and the tries stay)."""
    latest = {t.ticket_id: t.reason for t in found}  # the page's last word per ticket
    rows = [
        {"ticket_id": i, "reason": r, "first_seen_at": now, "last_seen_at": now, "tries": 0}
        for i, r in sorted(latest.items())
    ]
    bulk.upsert(conn, _U, rows, update=("reason", "last_seen_at"))


def still_unreadable(conn: Connection, found: Sequence[UnreadableTicket], *, now: datetime) -> None:
    """Read again on its own and still unreadable: one more try, the latest reason."""
    for ticket in found:
        conn.execute(
            update(_U)
            .where(_U.c.ticket_id == ticket.ticket_id)
            .values(reason=ticket.reason, last_seen_at=now, tries=_U.c.tries + 1)
        )


def forget(conn: Connection, ids: Collection[int]) -> None:
    for chunk in chunks(sorted(set(ids))):
        conn.execute(delete(_U).where(_U.c.ticket_id.in_(chunk)))


def read(conn: Connection) -> list[UnreadableTicket]:
    """Every remembered ticket, the longest unreadable first."""
    query = select(_U).order_by(_U.c.first_seen_at, _U.c.ticket_id)
    return [
        UnreadableTicket(
            ticket_id=row.ticket_id,
            reason=row.reason,
            since=row.first_seen_at,
            tries=row.tries,
            last_seen=row.last_seen_at,
        )
        for row in conn.execute(query)
    ]
