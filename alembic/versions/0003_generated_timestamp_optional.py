"""tickets.generated_timestamp may be NULL: only the incremental export sends it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Real answers of ``GET /tickets/{id}``, ``show_many``, ``PUT /tickets/{id}`` and ``POST
/tickets`` carry no ``generated_timestamp`` (reference notes, section 1), so a ticket read
from one of them has none; the export's stamp is kept where it is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("generated_timestamp", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # A ticket that was never exported has no stamp; 0 sorts it before every real one.
    op.execute("UPDATE tickets SET generated_timestamp = 0 WHERE generated_timestamp IS NULL")
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("generated_timestamp", existing_type=sa.BigInteger(), nullable=False)
