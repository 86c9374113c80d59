"""Submit as Open.

The agreement (seed 004): "After entering your analysis, save the assigned agent and
analysis by clicking the 'Submit as Open' button at the bottom right. Other statuses may be
visible for fully licensed agents, but only use 'Submit as Open' unless instructed
otherwise."

When a partner user (full or light agent) made the ticket's last status change, and it
changed the status to anything but Open (with custom statuses: to a status whose category
is not open), the status goes back to Open with an internal note naming the change, unless
the ticket carries an exemption tag ("unless instructed otherwise"). ISPnext staff and the
worker are never reverted, nor is a change a trigger made, nor one made before go-live
(``act_on_changes_since``). Once per audit: the worker's
revert is then the last status change, so deciding again finds nothing.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rules.actions import AddNote, Json, SetStatus
from rules.config import RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, because, decision_key, no
from rules.go_live import before_go_live
from rules.model import FINAL, Audit, FieldChange, TicketView, UserKind
from rules.template import format_time, render

NAME = "submit_as_open"
_NO_CHANGE = no("no status change since the ticket was created")

_NOT_PARTNER = {
    UserKind.WORKER: "the worker itself",
    UserKind.ISPNEXT: "ISPnext staff",
    UserKind.OTHER: "someone who is not a partner user",
}


def submit_as_open(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Set the status back to Open after a partner user chose another status."""
    if view.status in FINAL:
        return no(f"the ticket is {view.status}", {"status": view.status})
    exempt_tags = config.submit_as_open.exempt_tags
    if not view.tags.isdisjoint(exempt_tags):
        exempt = sorted(view.tags.intersection(exempt_tags))
        return no(f"exempt by tag {exempt[0]}", {"exempt_tags": list(exempt)})
    found = last_status_change(view)
    if found is None:
        return _NO_CHANGE
    audit, status, custom = found
    why_not = _why_not(view, audit, status, custom) or _history(view, config, audit)
    if why_not is not None:
        return (), partial(_explained, why_not, view, audit, status, custom)
    facts = _facts(view, audit, status, custom)
    decision = _decide(view, config, audit, facts)
    return (decision,), because(_set_by(view, config, audit, facts), facts)


def _set_by(view: TicketView, config: RulesConfig, audit: Audit, facts: dict[str, Json]) -> str:
    """``Pending set by Piet Acme (Acme IT, partner) at 2025-01-06 10:00 UTC``."""
    directory = view.directory
    partner = config.account.group_name(directory.partner_group_of(audit.author_id))
    when = format_time(audit.created_at, config.time_zone)
    name = directory.name(audit.author_id)
    return f"{facts['new_status']} set by {name} ({partner}, partner user) at {when}"


def _why_not(
    view: TicketView, audit: Audit, status: FieldChange | None, custom: FieldChange | None
) -> str | None:
    """Why the ticket's last status change stands, or None if it goes back to Open."""
    kind = view.directory.kind(audit.author_id)
    if kind is UserKind.WORKER:
        return f"the last status change was made by {_NOT_PARTNER[kind]}"
    if kind is not UserKind.PARTNER:
        who = view.directory.name(audit.author_id)
        return f"the last status change was made by {who}, {_NOT_PARTNER[kind]}"
    if (status is not None and status.via == "rule") or (
        custom is not None and custom.via == "rule"
    ):
        return "the last status change was made by a trigger"
    category = view.directory.category(_text(status, "new"), _id(custom, "new"))
    if category == "open" or view.category == "open":
        return "the status is Open"
    return None


def _history(view: TicketView, config: RulesConfig, audit: Audit) -> str | None:
    """Why a status change from before go-live stands, or None if it came after."""
    if config.acts_on(audit.created_at):
        return None
    by = view.directory.name(audit.author_id)
    return before_go_live(config, "the last status change", audit.created_at, by)


def _explained(
    reason: str,
    view: TicketView,
    audit: Audit,
    status: FieldChange | None,
    custom: FieldChange | None,
) -> tuple[str, Facts]:
    return reason, _facts(view, audit, status, custom)


def _facts(
    view: TicketView, audit: Audit, status: FieldChange | None, custom: FieldChange | None
) -> dict[str, Json]:
    directory = view.directory
    return {
        "audit_id": audit.id,
        "changed_at": audit.created_at.isoformat(),
        "changed_by": audit.author_id,
        "changed_by_kind": directory.kind(audit.author_id),  # a str
        "light_agent": directory.is_light_agent(audit.author_id),
        "old_status": directory.status_label(_text(status, "old"), _id(custom, "old")),
        "new_status": directory.status_label(_text(status, "new"), _id(custom, "new")),
        "new_category": directory.category(_text(status, "new"), _id(custom, "new")),
        "current_category": view.category,
    }


def _decide(
    view: TicketView, config: RulesConfig, audit: Audit, facts: dict[str, Json]
) -> Decision:
    settings = config.submit_as_open
    directory = view.directory
    partner = directory.partner_group_of(audit.author_id)
    note = render(
        config.template("submit_as_open", "note", partner),
        {
            "user": directory.name(audit.author_id),
            "partner": config.account.group_name(partner),
            "old": facts["old_status"],
            "new": facts["new_status"],
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
        changes = audit.changes
        status = changes.get("status")
        custom = changes.get("custom_status_id")
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
