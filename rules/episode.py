"""Partner episodes: the stretches of a ticket's history spent in a partner group.

An episode begins at the audit that moved the ticket into a partner group (or created it
there) and ends at the audit that moved it out. A ticket that goes back and forth has
several; the hand-back rule acts once per episode, so a ticket returned to a partner later
can be handed back again. Every author's audits count here, the worker's included: its
hand back is what ends an episode.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rules.model import Audit, TicketView, Value, as_seconds


class Episode(NamedTuple):
    """One stay in a partner group (a NamedTuple: the rules build one for every ticket they
    look at, and a frozen dataclass costs several times as much to build)."""

    #: The audit that moved the ticket into the partner group: the episode's identity.
    audit_id: int
    group_id: int
    started_at: datetime
    #: Author of that audit: normally the ISPnext agent who assigned the ticket.
    started_by: int | None
    #: Group and assignee the ticket had just before the move.
    came_from_group_id: int | None
    previous_assignee_id: int | None
    #: "Total time spent (sec)" right after the move (time tracked before the partner's).
    total_at_start: int
    ended_at: datetime | None = None


def episode_at(view: TicketView, index: int) -> Episode:
    """The episode begun by ``view.audits[index]``, an audit that moved the ticket into a
    partner group (as ``episode_start`` finds)."""
    group = view.audits[index].changes["group_id"]
    group_id = group.new if isinstance(group.new, int) else 0
    return _begin(view, index, group_id, group.old)


def episode_start(view: TicketView) -> int | None:
    """Index in ``view.audits`` of the audit that began the current episode, or None.

    Found from the end, without building the episode: the rules ask it of every ticket.
    """
    audits = view.audits
    for index in range(len(audits) - 1, -1, -1):
        group = audits[index].changes.get("group_id")
        if group is None or group.new == group.old:
            continue
        new = group.new
        if new != view.group_id or new not in view.directory.account.partner_group_ids:
            return None
        return index
    return None


def _begin(view: TicketView, index: int, group_id: int, came_from: Value) -> Episode:
    """The episode begun by ``view.audits[index]``, which moved the ticket from the group
    ``came_from`` into the partner group ``group_id``."""
    audits = view.audits
    audit = audits[index]
    return Episode(
        audit_id=audit.id,
        group_id=group_id,
        started_at=audit.created_at,
        started_by=audit.author_id,
        came_from_group_id=came_from if isinstance(came_from, int) else None,
        previous_assignee_id=_assignee_before(audits, index),
        total_at_start=total_after(audits, index, view.directory.account.total_time_field),
    )


def _assignee_before(audits: tuple[Audit, ...], index: int) -> int | None:
    """Who was assigned just before ``audits[index]`` was applied."""
    moved = audits[index].changes.get("assignee_id")
    if moved is not None:
        return moved.old if isinstance(moved.old, int) else None
    for earlier in range(index - 1, -1, -1):
        moved = audits[earlier].changes.get("assignee_id")
        if moved is not None:
            return moved.new if isinstance(moved.new, int) else None
    return None


def total_after(audits: tuple[Audit, ...], index: int, field: str | None) -> int:
    """The Time Tracking Total right after ``audits[index]`` (0 when never set)."""
    if field is None:
        return 0
    for earlier in range(index, -1, -1):
        tracked = audits[earlier].changes.get(field)
        if tracked is not None:
            return as_seconds(tracked.new) or 0
    return 0
