"""The directory's tables: users, groups, memberships, organizations, fields, statuses.

Zendesk sends the directory whole, so storing it is a replacement: delete every row and
insert the new ones inside the caller's transaction, which makes the swap atomic. End users
are the exception: the directory lists agents and admins only, and the requesters and
comment authors saved one by one (``upsert_users``) must survive a refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, delete, insert, select

from adapters.store import rows, schema
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


def replace_directory(conn: Connection, directory: Directory) -> None:
    """Replace the stored directory with ``directory`` on ``conn`` (no commit here)."""
    for table in schema.DIRECTORY_TABLES:
        kept = table.c.role == "end-user" if table is schema.users else None
        conn.execute(delete(table) if kept is None else delete(table).where(~kept))
    # An end user promoted to agent is in the table already: its row is replaced.
    upsert_users(conn, directory.users)
    _insert(conn, schema.groups, [rows.group_row(g) for g in directory.groups])
    _insert(conn, schema.group_memberships, [rows.membership_row(m) for m in directory.memberships])
    _insert(conn, schema.organizations, [rows.organization_row(o) for o in directory.organizations])
    _insert(conn, schema.ticket_fields, [rows.ticket_field_row(f) for f in directory.ticket_fields])
    _insert(
        conn,
        schema.custom_statuses,
        [rows.custom_status_row(s) for s in directory.custom_statuses],
    )


def upsert_users(conn: Connection, users: Sequence[UserRecord]) -> None:
    """Add or replace individual users (no commit here)."""
    ids = [user.id for user in users]
    for chunk in chunks(ids):
        conn.execute(delete(schema.users).where(schema.users.c.id.in_(chunk)))
    _insert(conn, schema.users, [rows.user_row(u) for u in users])


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


def _insert(conn: Connection, table: Table, values: list[rows.Row]) -> None:
    if values:
        conn.execute(insert(table), values)


def _all(conn: Connection, table: Table, build: Callable[[Any], T]) -> list[T]:
    result = conn.execute(select(table).order_by(table.c.id))
    return [build(row) for row in result.mappings()]
