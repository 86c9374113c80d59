"""The decide step: the outbox of decisions and each ticket's next due time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``outbox`` holds the rules' decisions under their unique key until push applies them;
``ticket_due`` holds, per ticket, when a time-based rule next becomes true, so a cycle
evaluates only tickets that changed or whose time has come. The decide mark (the highest
``tickets.changed_seq`` already decided) lives in ``sync_state``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("audit_id", sa.BigInteger(), nullable=True),
        sa.Column("created_ticket_id", sa.BigInteger(), nullable=True),
        _utc("decided_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_state_id", "outbox", ["state", "id"])
    op.create_index("ix_outbox_ticket_id_id", "outbox", ["ticket_id", "id"])

    op.create_table(
        "ticket_due",
        sa.Column("ticket_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _utc("next_due_at"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_due"),
    )
    op.create_index("ix_ticket_due_next_due_at", "ticket_due", ["next_due_at"])


def downgrade() -> None:
    op.drop_table("ticket_due")
    op.drop_table("outbox")
