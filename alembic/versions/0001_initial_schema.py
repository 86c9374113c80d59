"""Initial schema: tickets, audits and their events, the directory, sync state.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written by hand after autogenerate; ``tests/store/test_migrations.py`` checks that it
matches ``adapters/store/schema.py``. Times are ``timestamptz`` on PostgreSQL and naive
UTC on SQLite (``UtcDateTime`` handles both); JSON columns are plain ``JSON`` so the
raw objects keep Zendesk's key order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False)


def _utc(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tickets",
        _id(),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("requester_id", sa.BigInteger(), nullable=True),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_status_id", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("system", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.Column("generated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        _utc("audits_pending_since", nullable=True),
        _utc("mirrored_at"),
        sa.Column("changed_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_updated_at_id", "tickets", ["updated_at", "id"])
    op.create_index("ix_tickets_group_id_updated_at", "tickets", ["group_id", "updated_at"])
    op.create_index("ix_tickets_audits_pending_since_id", "tickets", ["audits_pending_since", "id"])
    op.create_index("ix_tickets_changed_seq", "tickets", ["changed_seq"])

    op.create_table(
        "audits",
        _id(),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        _utc("created_at"),
        sa.Column("via_channel", sa.Text(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_audits_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_audits"),
    )
    op.create_index("ix_audits_ticket_id_created_at", "audits", ["ticket_id", "created_at"])

    op.create_table(
        "audit_events",
        _id(),
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("field_name", sa.Text(), nullable=True),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("previous_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name="fk_audit_events_audit_id_audits"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_audit_id_position", "audit_events", ["audit_id", "position"])
    op.create_index("ix_audit_events_ticket_id", "audit_events", ["ticket_id"])

    op.create_table(
        "users",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("role_type", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("default_group_id", sa.BigInteger(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "groups",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
    )
    op.create_table(
        "group_memberships",
        _id(),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_group_memberships"),
    )
    op.create_index("ix_group_memberships_group_id", "group_memberships", ["group_id"])
    op.create_index("ix_group_memberships_user_id", "group_memberships", ["user_id"])
    op.create_table(
        "organizations",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
    )
    op.create_table(
        "ticket_fields",
        _id(),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("raw_title", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_fields"),
    )
    op.create_table(
        "custom_statuses",
        _id(),
        sa.Column("status_category", sa.Text(), nullable=False),
        sa.Column("agent_label", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_statuses"),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("key", name="pk_sync_state"),
    )


def downgrade() -> None:
    for table in (
        "sync_state",
        "custom_statuses",
        "ticket_fields",
        "organizations",
        "group_memberships",
        "groups",
        "users",
        "audit_events",
        "audits",
        "tickets",
    ):
        op.drop_table(table)
