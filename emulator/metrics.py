"""Ticket metric sets (``TicketMetricObject`` of the spec), as ``include=metric_sets``
sideloads them on the ticket export.

Computed from the ticket's audits, so they follow the world's history [spec
TicketMetricObject, its descriptions]: group and assignee stations count the groups and
assignees the ticket was given; reopens count changes from solved back to an open
status; replies are public comments by agents after the creation comment; the times are
whole minutes from creation to the first agent reply, the first and the last solve, and
the minutes spent on hold, with the requester waiting (new, open, on hold) and with the
agent waiting (pending).

Invented where Zendesk keeps more than the emulator does (docs/emulator.md): there are no
business hours, so ``business`` equals ``calendar``; durations run up to the ticket's last
recorded change, not up to the clock; a metric with no value yet (no reply, never solved,
never assigned) is left out (the spec marks no key required and allows no null);
``reply_time_in_seconds`` (messaging tickets only) is never given; the id is the
ticket's id plus ``METRIC_ID_BASE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.directory import Directory
from emulator.tickets import Audit, Ticket, iso

METRIC_ID_BASE = 70_000_000_000
SOLVED = frozenset({"solved", "closed"})
#: The requester waits for an agent while a ticket is new, open or on hold; the agent
#: waits for the requester while it is pending [spec TicketMetricObject].
WAITING_FOR_AGENT = frozenset({"new", "open", "hold"})
WAITING_FOR_REQUESTER = frozenset({"pending"})


@dataclass
class _Walk:
    """What one pass over the audits found."""

    statuses: list[tuple[int, str]] = field(default_factory=list)
    groups: int = 0
    assignees: int = 0
    initially_assigned: int | None = None
    assigned: int | None = None
    custom_status_updated: int | None = None
    latest_comment: int | None = None
    first_reply: int | None = None
    replies: int = 0
    requester_updated: int | None = None
    assignee_updated: int | None = None


def metric_set(
    ticket: Ticket, audits: list[Audit], directory: Directory, base_url: str
) -> dict[str, Any]:
    """The metric set of ``ticket`` after ``audits`` (oldest first)."""
    walk = _walk(ticket, audits, directory)
    metric_id = METRIC_ID_BASE + ticket.id
    document: dict[str, Any] = {
        "id": metric_id,
        "url": f"{base_url}/api/v2/ticket_metrics/{metric_id}.json",
        "ticket_id": ticket.id,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "group_stations": walk.groups,
        "assignee_stations": walk.assignees,
        "reopens": _reopens(walk.statuses),
        "replies": walk.replies,
    }
    solves = [at for (at, status), before in _transitions(walk.statuses)
              if status in SOLVED and before not in SOLVED]  # fmt: skip
    solved = bool(solves) and ticket.status in SOLVED
    times = {
        "assigned_at": walk.assigned,
        "initially_assigned_at": walk.initially_assigned,
        "assignee_updated_at": walk.assignee_updated,
        "requester_updated_at": walk.requester_updated,
        "status_updated_at": walk.statuses[-1][0] if walk.statuses else None,
        "custom_status_updated_at": walk.custom_status_updated,
        "latest_comment_added_at": walk.latest_comment,
        "solved_at": solves[-1] if solved else None,
    }
    document.update({key: iso(at) for key, at in times.items() if at is not None})
    created, end = ticket.created_at, ticket.updated_at
    minutes = {
        "reply_time_in_minutes": _since(created, walk.first_reply),
        "first_resolution_time_in_minutes": _since(created, solves[0] if solves else None),
        "full_resolution_time_in_minutes": _since(created, solves[-1] if solved else None),
        "on_hold_time_in_minutes": _time_in(walk.statuses, {"hold"}, end),
        "requester_wait_time_in_minutes": _time_in(walk.statuses, WAITING_FOR_AGENT, end),
        "agent_wait_time_in_minutes": _time_in(walk.statuses, WAITING_FOR_REQUESTER, end),
    }
    for key, value in minutes.items():
        if value is not None:
            document[key] = {"calendar": value, "business": value}
    return document


def _walk(ticket: Ticket, audits: list[Audit], directory: Directory) -> _Walk:
    walk = _Walk()
    for number, audit in enumerate(audits):
        if audit.author_id == ticket.requester_id:
            walk.requester_updated = audit.created_at
        if ticket.assignee_id is not None and audit.author_id == ticket.assignee_id:
            walk.assignee_updated = audit.created_at
        for event in audit.events:
            kind, name, value = event.get("type"), event.get("field_name"), event.get("value")
            if kind == "Comment":
                walk.latest_comment = audit.created_at
                author = directory.users.get(event.get("author_id", audit.author_id))
                agent = author is not None and author.role in {"agent", "admin"}
                if number > 0 and event.get("public") and agent:
                    walk.replies += 1
                    walk.first_reply = walk.first_reply or audit.created_at
            elif kind not in {"Create", "Change"} or value is None:
                continue
            elif name == "status":
                walk.statuses.append((audit.created_at, str(value)))
            elif name == "custom_status_id":
                walk.custom_status_updated = audit.created_at
            elif name == "group_id":
                walk.groups += 1
            elif name == "assignee_id":
                walk.assignees += 1
                walk.assigned = audit.created_at
                walk.initially_assigned = walk.initially_assigned or audit.created_at
    return walk


def _transitions(statuses: list[tuple[int, str]]) -> list[tuple[tuple[int, str], str | None]]:
    """Each status change with the status before it (None for the first)."""
    before: list[str | None] = [None, *(status for _, status in statuses[:-1])]
    return list(zip(statuses, before, strict=True))


def _reopens(statuses: list[tuple[int, str]]) -> int:
    return sum(
        1
        for (_, status), before in _transitions(statuses)
        if before == "solved" and status not in SOLVED
    )


def _since(start: int, at: int | None) -> int | None:
    return None if at is None else max(0, at - start) // 60


def _time_in(statuses: list[tuple[int, str]], kinds: set[str] | frozenset[str], end: int) -> int:
    """Whole minutes spent in ``kinds`` between the first status and ``end``."""
    total = 0
    for (at, status), (until, _) in zip(statuses, [*statuses[1:], (end, "")], strict=True):
        if status in kinds:
            total += max(0, until - at)
    return total // 60
