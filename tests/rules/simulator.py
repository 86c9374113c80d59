"""What Zendesk does with the worker's actions: one new audit by the worker's user.

Used by the convergence tests: apply a decision's actions, decide again, expect nothing.
It refuses what Zendesk refuses (changing a closed or deleted ticket, a light agent or a
non-member as assignee), so a rule that asks for those fails its test here.
"""

from __future__ import annotations

from datetime import datetime

from rules.actions import Action, AddNote, AddTags, Assign, CreateFollowUp, RemoveTags, SetStatus
from rules.model import Comment, TicketView, Value
from tests.rules.builders import record

#: Ids the simulator gives the tickets it creates: FIRST_NEW_TICKET + source ticket id.
FIRST_NEW_TICKET = 900_000


class Rejected(Exception):
    """Zendesk would answer 4xx."""


def apply_actions(
    view: TicketView, actions: tuple[Action, ...], worker_id: int, now: datetime
) -> TicketView:
    """``view`` after Zendesk applied ``actions`` in one update by ``worker_id`` at ``now``."""
    if view.status in {"closed", "deleted"}:
        raise Rejected(f"ticket {view.id} is {view.status}")
    changes: dict[str, Value] = {}
    comments: list[Comment] = []
    tags = set(view.tags)
    for action in actions:
        if isinstance(action, Assign):
            _assign(view, action, changes)
        elif isinstance(action, SetStatus):
            changes["status"] = action.status
            if view.custom_status_id is not None:
                changes["custom_status_id"] = action.custom_status_id or _default(view, action)
        elif isinstance(action, AddNote):
            comments.append(Comment(worker_id, False, action.body))
        elif isinstance(action, AddTags):
            tags |= set(action.tags)
        elif isinstance(action, RemoveTags):
            tags -= set(action.tags)
        elif isinstance(action, CreateFollowUp):
            new_ticket = FIRST_NEW_TICKET + action.source_ticket_id
            comments.append(Comment(worker_id, False, action.note_for(new_ticket)))
    changes["tags"] = tuple(sorted(tags))
    return record(view, worker_id, now, changes, comments)


def _assign(view: TicketView, action: Assign, changes: dict[str, Value]) -> None:
    group = action.group_id if action.group_id is not None else view.group_id
    if action.group_id is not None:
        changes["group_id"] = action.group_id
        changes["assignee_id"] = action.assignee_id
    if action.assignee_id is None:
        return
    user = view.directory.users.get(action.assignee_id)
    if user is None or not user.assignable:
        raise Rejected(f"user {action.assignee_id} cannot be an assignee")
    if group not in user.group_ids:
        raise Rejected(f"user {action.assignee_id} is not a member of group {group}")
    changes["assignee_id"] = action.assignee_id


def _default(view: TicketView, action: SetStatus) -> int:
    for status in view.directory.custom_statuses.values():
        if status.category == action.status:
            return status.id
    raise Rejected(f"no custom status of category {action.status}")
