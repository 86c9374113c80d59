"""Submit as Open.

The agreement (seed 004): "After entering your analysis, save the assigned agent and
analysis by clicking the 'Submit as Open' button at the bottom right. Other statuses may be
visible for fully licensed agents, but only use 'Submit as Open' unless instructed
otherwise."

When a partner user (full or light agent) made the ticket's last status change, and it
changed the status to anything but Open (with custom statuses: to a status whose category
is not open), the status goes back to Open with an internal note naming the change, unless
the ticket carries an exemption tag ("unless instructed otherwise"). ISPnext staff and the
worker are never reverted, nor is a change a trigger made. Once per audit: the worker's
revert is then the last status change, so deciding again finds nothing.
"""

from __future__ import annotations

from datetime import datetime

from rules.actions import AddNote, Json, SetStatus
from rules.config import RulesConfig
from rules.decision import Decision, Rule, Verdict, decision_key
from rules.model import FINAL, Audit, FieldChange, TicketView, UserKind
from rules.template import render

NAME = "submit_as_open"

_NOT_PARTNER = {
    UserKind.WORKER: "the worker itself",
    UserKind.ISPNEXT: "ISPnext staff",
    UserKind.OTHER: "someone who is not a partner user",
}


def submit_as_open(view: TicketView, config: RulesConfig, now: datetime) -> Verdict:
    """Set the status back to Open after a partner user chose another status."""
    if view.status in FINAL:
        return Verdict(NAME, f"the ticket is {view.status}", {"status": view.status})
    exempt = sorted(view.tags.intersection(config.submit_as_open.exempt_tags))
    if exempt:
        return Verdict(NAME, f"exempt by tag {exempt[0]}", {"exempt_tags": list(exempt)})
    found = last_status_change(view)
    if found is None:
        return Verdict(NAME, "no status change since the ticket was created", {})
    return _judge(view, config, *found)


def _judge(
    view: TicketView, config: RulesConfig, audit: Audit, *changes: FieldChange | None
) -> Verdict:
    """Judge the ticket's last status change (``changes``: of status, of custom status)."""
    directory = view.directory
    status, custom = changes
    kind = directory.kind(audit.author_id)
    old = directory.status_label(_text(status, "old"), _id(custom, "old"))
    new = directory.status_label(_text(status, "new"), _id(custom, "new"))
    category = directory.category(_text(status, "new"), _id(custom, "new"))
    facts: dict[str, Json] = {
        "audit_id": audit.id,
        "changed_at": audit.created_at.isoformat(),
        "changed_by": audit.author_id,
        "changed_by_kind": kind.value,
        "light_agent": directory.is_light_agent(audit.author_id),
        "old_status": old,
        "new_status": new,
        "new_category": category,
        "current_category": view.category,
    }
    if kind is not UserKind.PARTNER:
        why_not = f"the last status change was made by {_NOT_PARTNER[kind]}"
    elif "rule" in {change.via for change in changes if change is not None}:
        why_not = "the last status change was made by a trigger"
    elif category == "open" or view.category == "open":
        why_not = "the status is Open"
    else:
        decision = _decide(view, config, audit, old, new, facts=facts)
        return Verdict(NAME, f"{new} set by a partner user in audit {audit.id}", facts, (decision,))
    return Verdict(NAME, why_not, facts)


def _decide(
    view: TicketView, config: RulesConfig, audit: Audit, *labels: str, facts: dict[str, Json]
) -> Decision:
    settings = config.submit_as_open
    directory = view.directory
    old, new = labels
    note = render(
        settings.note,
        {
            "user": directory.name(audit.author_id),
            "partner": config.account.group_name(directory.partner_group_of(audit.author_id)),
            "old": old,
            "new": new,
            "exempt_tag": settings.exempt_tags[0] if settings.exempt_tags else "",
        },
    )
    actions = (SetStatus("open", settings.open_custom_status_id), AddNote(note))
    return Decision(decision_key(NAME, view.id, f"audit-{audit.id}"), NAME, view.id, actions, facts)


RULE = Rule(NAME, "submit_as_open", submit_as_open)


def last_status_change(
    view: TicketView,
) -> tuple[Audit, FieldChange | None, FieldChange | None] | None:
    """The last audit that changed the status or custom status, with those two changes.

    A status set when the ticket was created (a Create event, no old value) is not a change.
    """
    for audit in reversed(view.audits):
        status = audit.change("status")
        custom = audit.change("custom_status_id")
        if status is not None and status.old is None:
            status = None
        if custom is not None and custom.old is None:
            custom = None
        if status is not None or custom is not None:
            return audit, status, custom
    return None


def _text(change: FieldChange | None, side: str) -> str | None:
    value = None if change is None else getattr(change, side)
    return value if isinstance(value, str) else None


def _id(change: FieldChange | None, side: str) -> int | None:
    value = None if change is None else getattr(change, side)
    return value if isinstance(value, int) else None
