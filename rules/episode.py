"""Partner episodes: the stretches of a ticket's history spent in a partner group.

An episode begins at the audit that moved the ticket into a partner group (or created it
there) and ends at the audit that moved it out. A ticket that goes back and forth has
several; the hand-back rule acts once per episode, so a ticket returned to a partner later
can be handed back again. Every author's audits count here, the worker's included: its
hand back is what ends an episode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from rules.model import TicketView, as_seconds


@dataclass(frozen=True, slots=True)
class Episode:
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


def find_episodes(view: TicketView) -> tuple[Episode, ...]:
    """Every partner episode of ``view``, oldest first, from its audits."""
    account = view.directory.account
    partner_ids = account.partner_group_ids
    total_field = str(account.total_time_field_id) if account.total_time_field_id else None
    episodes: list[Episode] = []
    assignee: int | None = None
    total = 0
    for audit in view.audits:
        group = audit.change("group_id")
        moved = audit.change("assignee_id")
        before = moved.old if moved else assignee
        if moved:
            assignee = moved.new if isinstance(moved.new, int) else None
        tracked = audit.change(total_field) if total_field else None
        if tracked:
            total = as_seconds(tracked.new) or 0
        if group is None or group.new == group.old:
            continue
        if episodes and episodes[-1].ended_at is None:
            episodes[-1] = replace(episodes[-1], ended_at=audit.created_at)
        if group.new in partner_ids and isinstance(group.new, int):
            came_from = group.old if isinstance(group.old, int) else None
            episodes.append(
                Episode(
                    audit_id=audit.id,
                    group_id=group.new,
                    started_at=audit.created_at,
                    started_by=audit.author_id,
                    came_from_group_id=came_from,
                    previous_assignee_id=before if isinstance(before, int) else None,
                    total_at_start=total,
                )
            )
    return tuple(episodes)


def current_episode(view: TicketView) -> Episode | None:
    """The episode the ticket is in now: the last one, if it has not ended and the ticket
    is still in its group (a mirror without the latest audits has no current episode)."""
    episodes = find_episodes(view)
    if episodes and episodes[-1].ended_at is None and episodes[-1].group_id == view.group_id:
        return episodes[-1]
    return None
