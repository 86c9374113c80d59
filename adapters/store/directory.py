"""The directory's tables: users, groups, memberships, organizations, fields, statuses.

Zendesk sends the directory whole, so storing it is a replacement inside the caller's
transaction, which makes the swap atomic: upsert the new rows, delete the ones it lacks. End users
are the exception: the directory lists agents and admins only, and the requesters and
comment authors saved one by one (``upsert_users``) must survive a refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, delete, select

from adapters.store import rows, schema
from adapters.store.bulk import BulkUpserts
from sync.records import (
    CustomStatusRecord,
    Directory,
    GroupRecord,
    MembershipRecord,
    OrganizationRecord,
    TicketFieldRecord,
    UserRecord,
)

T = TypeVar("T")

#: How many ids one ``IN (...)`` may carry: far below SQLite's bound-parameter limit.
ID_CHUNK = 5_000


def replace_directory(conn: Connection, directory: Directory, bulk: BulkUpserts) -> None:
    """Replace the stored directory with ``directory`` on ``conn`` (no commit here).

    Upserts, then deletes what the new directory lacks, rather than deleting everything
    and inserting: two processes saving the directory at once then both succeed (the
    later one wins) instead of one failing on a duplicate key."""
    upsert_users(conn, directory.users, bulk)
    _replace(conn, schema.groups, [rows.group_row(g) for g in directory.groups], bulk)
    _replace(
        conn,
        schema.group_memberships,
        [rows.membership_row(m) for m in directory.memberships],
        bulk,
    )
    organizations = [rows.organization_row(o) for o in directory.organizations]
    _replace(conn, schema.organizations, organizations, bulk)
    fields = [rows.ticket_field_row(f) for f in directory.ticket_fields]
    _replace(conn, schema.ticket_fields, fields, bulk)
    _replace(
        conn,
        schema.custom_statuses,
        [rows.custom_status_row(s) for s in directory.custom_statuses],
        bulk,
    )
    # Agents and admins the directory no longer lists; end users stay (see above). An end
    # user promoted to agent was upserted over.
    users = schema.users
    listed = {user.id for user in directory.users}
    stored: set[int] = set(
        conn.execute(select(users.c.id).where(users.c.role != "end-user")).scalars()
    )
    _delete_ids(conn, users, sorted(stored - listed))


def upsert_users(conn: Connection, users: Sequence[UserRecord], bulk: BulkUpserts) -> None:
    """Add or replace individual users (no commit here)."""
    latest = {user.id: rows.user_row(user) for user in users}  # the last of a repeated id
    values = [latest[user_id] for user_id in sorted(latest)]
    bulk.upsert(conn, schema.users, values, update=_non_key(schema.users))


def _replace(conn: Connection, table: Table, values: list[rows.Row], bulk: BulkUpserts) -> None:
    """Make ``table`` hold exactly ``values`` (rows keyed by ``id``)."""
    bulk.upsert(conn, table, values, update=_non_key(table))
    wanted = {row["id"] for row in values}
    stored: set[int] = set(conn.execute(select(table.c.id)).scalars())
    _delete_ids(conn, table, sorted(stored - wanted))


def _delete_ids(conn: Connection, table: Table, ids: Sequence[int]) -> None:
    for chunk in chunks(ids):
        conn.execute(delete(table).where(table.c.id.in_(chunk)))


def _non_key(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if not c.primary_key)


def read_directory(conn: Connection) -> Directory:
    """The stored directory, every collection ordered by id."""
    return Directory(
        users=tuple(_all(conn, schema.users, rows.user_record)),
        groups=tuple(_all(conn, schema.groups, lambda r: GroupRecord(**r))),
        memberships=tuple(_all(conn, schema.group_memberships, lambda r: MembershipRecord(**r))),
        organizations=tuple(_all(conn, schema.organizations, lambda r: OrganizationRecord(**r))),
        ticket_fields=tuple(_all(conn, schema.ticket_fields, lambda r: TicketFieldRecord(**r))),
        custom_statuses=tuple(
            _all(conn, schema.custom_statuses, lambda r: CustomStatusRecord(**r))
        ),
    )


def read_users(conn: Connection, ids: Collection[int] | None) -> dict[int, UserRecord]:
    """Stored users by id: those of ``ids``, or all of them when ``ids`` is None."""
    table = schema.users
    if ids is None:
        return {user.id: user for user in _all(conn, table, rows.user_record)}
    found: dict[int, UserRecord] = {}
    for chunk in chunks(sorted(set(ids))):
        result = conn.execute(select(table).where(table.c.id.in_(chunk)))
        for row in result.mappings():
            found[row["id"]] = rows.user_record(row)
    return found


def chunks(items: Sequence[T], size: int = ID_CHUNK) -> Iterable[Sequence[T]]:
    """``items`` (ids, keys) in slices small enough for one ``IN (...)``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _all(conn: Connection, table: Table, build: Callable[[Any], T]) -> list[T]:
    result = conn.execute(select(table).order_by(table.c.id))
    return [build(row) for row in result.mappings()]
