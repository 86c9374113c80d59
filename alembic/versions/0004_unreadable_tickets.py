"""unreadable_tickets: tickets Zendesk sent that could not be read, to read them again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The export's cursor moves past a record that cannot be read (missing fields, an unknown
status); its id and the reason are kept here, with when it was first and last met
unreadable and how often reading it on its own failed, until a read succeeds or Zendesk
says it is gone (issue 8 defect 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "unreadable_tickets",
        sa.Column("ticket_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _utc("first_seen_at"),
        _utc("last_seen_at"),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_unreadable_tickets"),
    )


def downgrade() -> None:
    op.drop_table("unreadable_tickets")
