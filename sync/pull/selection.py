"""Which of the tickets Zendesk sent the mirror keeps, and which of those need their audits
read (again)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from rules.follow_up import FOLLOW_UP_TAG
from sync.records import TicketRecord


def select_tickets(
    tickets: Collection[TicketRecord],
    partner_groups: frozenset[int],
    versions_of: _Versions,
) -> tuple[list[TicketRecord], list[int]]:
    """The tickets to mirror, and those of them whose audits must be (re)fetched.

    Mirrored: tickets in a partner group, tickets we already mirror (so a ticket that left a
    partner group is updated, and the rules see it left), and the follow-up tickets the
    worker created (push mirrors each at once; the export keeps one whose answer was lost).
    Audits: new tickets and newer versions (``updated_at`` moves with every event) that are
    not deleted; a version older than the mirrored one (the answer to our update was stored
    first) needs none.
    """
    versions = versions_of([t.id for t in tickets])
    kept = [
        t
        for t in tickets
        if t.group_id in partner_groups or t.id in versions or FOLLOW_UP_TAG in t.tags
    ]
    needs_audits = [t.id for t in kept if not t.deleted and _newer(t, versions.get(t.id))]
    return kept, needs_audits


def _newer(ticket: TicketRecord, mirrored: datetime | None) -> bool:
    return mirrored is None or ticket.updated_at > mirrored


class _Versions(Protocol):
    def __call__(self, ids: Collection[int], /) -> dict[int, datetime]: ...
