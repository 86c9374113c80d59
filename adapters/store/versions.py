"""Which of two versions of a ticket the mirror keeps, in SQL: the conditions of the
tickets' upserts. ``TicketRecord.supersedes`` states the rule and why; this module says
the same of a stored row and the ``excluded`` (incoming) one, so that an export page read
before our update cannot overwrite its answer, nor an answer an agent's newer change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_

#: Set from the incoming row only when it has one: answers other than the export carry no
#: ``generated_timestamp``, and the export's stamp stays known.
KEEP_WHEN_NULL = ("generated_timestamp",)


def _stamp_not_older(stored: Table, incoming: Any) -> ColumnElement[bool]:
    mine, theirs = incoming.generated_timestamp, stored.c.generated_timestamp
    return or_(mine.is_(None), theirs.is_(None), mine >= theirs)


def newer_version(stored: Table, incoming: Any) -> ColumnElement[bool]:
    """A live version replaces the stored one: newer ``updated_at``, or the same one and a
    stamp that is not older."""
    return or_(
        incoming.updated_at > stored.c.updated_at,
        and_(incoming.updated_at == stored.c.updated_at, _stamp_not_older(stored, incoming)),
    )


def newer_tombstone(stored: Table, incoming: Any) -> ColumnElement[bool]:
    """A deleted ticket's export row replaces the stored one unless its stamp is older."""
    return _stamp_not_older(stored, incoming)
