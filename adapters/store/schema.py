"""The tables of the local mirror, as SQLAlchemy Core metadata.

Alembic owns the schema (``alembic/versions``); these definitions are what the code reads
and writes, and a test checks that they match the migrations (autogenerate finds no
difference). Each table keeps Zendesk's object as it was sent (``raw``) next to typed
columns for what zdsync queries. Only portable types are used so that SQLite and
PostgreSQL hold the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again when read. Naive datetimes are refused: guessing their
    zone is how mirrors drift by hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is UTC:  # PostgreSQL sessions of the store run in UTC
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            # Parsing the stored text as UTC in one C call is several times faster than
            # SQLAlchemy's parse followed by ``replace(tzinfo=UTC)``; reads of a thousand
            # versions per export page add up.
            return _sqlite_text_as_utc
        return super().result_processor(dialect, coltype)


def _sqlite_text_as_utc(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def _json(nullable: bool = True) -> JSON:
    # SQL NULL for None so that "no value" reads the same on both databases.
    return JSON(none_as_null=nullable)


tickets = Table(
    "tickets",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("status", Text, nullable=False),
    Column("group_id", BigInteger),
    Column("assignee_id", BigInteger),
    Column("requester_id", BigInteger),
    Column("organization_id", BigInteger),
    Column("custom_status_id", BigInteger),
    Column("subject", Text),
    Column("system", Text),
    Column("tags", _json(nullable=False), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The export's stamp of the newest exported version; NULL for a ticket only ever read
    # from other answers (they carry none). A newer version from a write answer keeps it.
    Column("generated_timestamp", BigInteger),
    Column("raw", _json(nullable=False), nullable=False),
    # NULL: no audit fetch pending; else when the export first asked for one.
    Column("audits_pending_since", UtcDateTime),
    Column("mirrored_at", UtcDateTime, nullable=False),
    # Bumped (to one more than the highest in the table) whenever the ticket's row or its
    # audits are written, so "decide only what changed" can ask for rows above a mark.
    Column("changed_seq", BigInteger, nullable=False),
    Index(None, "updated_at", "id"),
    Index(None, "group_id", "updated_at"),
    Index(None, "audits_pending_since", "id"),
    Index(None, "changed_seq"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("ticket_id", BigInteger, ForeignKey("tickets.id"), nullable=False),
    Column("author_id", BigInteger),
    Column("created_at", UtcDateTime, nullable=False),
    Column("via_channel", Text),
    Column("raw", _json(nullable=False), nullable=False),
    Index(None, "ticket_id", "created_at"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("audit_id", BigInteger, ForeignKey("audits.id"), nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("field_name", Text),
    Column("value", _json()),
    Column("previous_value", _json()),
    Column("public", Boolean),
    Column("author_id", BigInteger),
    Column("body", Text),
    Index(None, "audit_id", "position"),
    Index(None, "ticket_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("role", Text, nullable=False),
    Column("role_type", Integer),
    Column("active", Boolean, nullable=False),
    Column("suspended", Boolean, nullable=False),
    Column("organization_id", BigInteger),
    Column("default_group_id", BigInteger),
    Column("raw", _json(nullable=False), nullable=False),
)

groups = Table(
    "groups",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
)

group_memberships = Table(
    "group_memberships",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False),
    Column("group_id", BigInteger, nullable=False),
    Column("default", Boolean, nullable=False),
    Index(None, "group_id"),
    Index(None, "user_id"),
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
)

ticket_fields = Table(
    "ticket_fields",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("raw_title", Text),
    Column("type", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("raw", _json(nullable=False), nullable=False),
)

custom_statuses = Table(
    "custom_statuses",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("status_category", Text, nullable=False),
    Column("agent_label", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("default", Boolean, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    # Insertion order: "oldest decision first" among decisions of the same instant.
    Column("id", Integer, primary_key=True, autoincrement=True),
    # rule:ticket:cause (rules.decision.decision_key); unique, so deciding twice enqueues once.
    Column("key", Text, nullable=False, unique=True),
    Column("ticket_id", BigInteger, nullable=False),
    Column("rule", Text, nullable=False),
    Column("actions", _json(nullable=False), nullable=False),
    Column("facts", _json(nullable=False), nullable=False),
    # pending / applied / conflict / skipped / failed (sync.records.OUTBOX_STATES).
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("audit_id", BigInteger),
    Column("created_ticket_id", BigInteger),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "state", "id"),
    Index(None, "ticket_id", "id"),
)

# When a time-based rule next becomes true for a ticket (rules.engine.next_due); a ticket
# without a row has nothing due by time alone. Kept apart from ``tickets`` so that the
# mirror's upserts never touch it and the table holds only the tickets that wait for a time.
ticket_due = Table(
    "ticket_due",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
    Column("next_due_at", UtcDateTime, nullable=False),
    Index(None, "next_due_at"),
)

# Tickets Zendesk sent that could not be read (missing fields, an unknown status): the
# export's cursor moves past them, so they are remembered here and read again on their own
# (GET /tickets/{id}) until they can be read, or are gone (issue 8 defect 3).
unreadable_tickets = Table(
    "unreadable_tickets",
    metadata,
    Column("ticket_id", BigInteger, primary_key=True, autoincrement=False),
    Column("reason", Text, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    # Reads on its own that still found it unreadable.
    Column("tries", Integer, nullable=False),
)

#: The directory's tables, replaced together by ``save_directory``.
DIRECTORY_TABLES = (users, groups, group_memberships, organizations, ticket_fields, custom_statuses)
