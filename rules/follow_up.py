"""Maintenance / Change Request needs a new ticket.

The agreement (seed 004): "If a support ticket results in Maintenance or a Change Request
(CR), a new ticket must be created."

When a ticket is marked as one of the configured kinds (by one of its tags, or by a custom
field's value), the worker creates a new ticket for ISPnext that links the original
(subject and body from the configuration) and notes the new ticket's number, and whose it
is, on the original, tagging it with the kind's ``created_tag``. The new ticket is the
customer's: the original's requester and organization, priority and "System" value. Once
per ticket and kind: that tag, or any audit in which the worker added it, means it was
done, so a tag that is added, removed and added again still gives one new ticket. Closed
and deleted tickets are left alone; a solved one still gets its follow-up. A mark made
before go-live (``act_on_changes_since``) is history: no new ticket for it. A follow-up
ticket the worker created is never followed up itself.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rules.actions import NEW_TICKET, AddTags, CreateFollowUp, Json
from rules.config import FollowUpKind, RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, decision_key, no
from rules.go_live import before_go_live
from rules.model import FINAL, Audit, TicketView, Value
from rules.template import format_time, render

NAME = "follow_up_ticket"
#: On every ticket the worker creates; the second tag finds it again from the original.
FOLLOW_UP_TAG = "zdsync_follow_up"
_IS_FOLLOW_UP = no(f"the ticket is a follow-up zdsync created (tag {FOLLOW_UP_TAG})")


def create_follow_up(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Create the new ticket a Maintenance or Change Request mark asks for."""
    if view.status in FINAL:
        return no(f"the ticket is {view.status}", {"status": view.status})
    if FOLLOW_UP_TAG in view.tags:
        return _IS_FOLLOW_UP
    kinds = config.follow_up.kinds
    if view.tags.isdisjoint(config.follow_up.marking_tags) and not config.follow_up.marking_fields:
        return (), partial(_explain, view, config)  # nearly every ticket, nearly every time
    decisions: tuple[Decision, ...] = ()
    for kind in kinds:
        if is_marked(view, kind) and not already_created(view, kind):
            marker = _marking_audit(view, kind)
            if _after_go_live(config, marker):
                decisions += (_decide(view, config, kind, marker),)
    return decisions, partial(_explain, view, config)


def _after_go_live(config: RulesConfig, marker: Audit | None) -> bool:
    """The mark was made after go-live; without the audit that made it, only when there is
    no go-live instant (the mark may be history)."""
    if config.act_on_changes_since is None:
        return True
    return marker is not None and config.acts_on(marker.created_at)


def _explain(view: TicketView, config: RulesConfig) -> tuple[str, Facts]:
    facts: dict[str, Json] = {}
    fired = []
    history = []
    for kind in config.follow_up.kinds:
        marks = marked_by(view, kind)
        marker = _marking_audit(view, kind) if marks else None
        if not marks:
            facts[kind.name] = "not marked"
        elif already_created(view, kind):
            facts[kind.name] = f"marked ({', '.join(marks)}); new ticket already created"
        elif not _after_go_live(config, marker):
            facts[kind.name] = f"marked ({', '.join(marks)}) before go-live"
            history.append((kind, marker))
        else:
            facts[kind.name] = f"marked ({', '.join(marks)})"
            fired.append(_marked_as(view, config, kind, marker))
    if fired:
        return "; ".join(fired), facts
    if history:
        kind, marker = history[0]
        if marker is None:
            return f"no audit shows when it was marked as {kind.label}: it may be history", facts
        what = f"the mark as {kind.label}"
        by = view.directory.name(marker.author_id)
        return before_go_live(config, what, marker.created_at, by), facts
    return "no kind is marked without its new ticket", facts


def _marked_as(
    view: TicketView, config: RulesConfig, kind: FollowUpKind, marker: Audit | None
) -> str:
    """``marked as Change Request by Piet Acme at 2025-01-06 10:00 UTC``."""
    if marker is None:
        return f"marked as {kind.label}"
    when = format_time(marker.created_at, config.time_zone)
    return f"marked as {kind.label} by {view.directory.name(marker.author_id)} at {when}"


RULE = Rule(NAME, "follow_up", create_follow_up)


def is_marked(view: TicketView, kind: FollowUpKind) -> bool:
    """``marked_by`` without the list: asked of every ticket in every cycle."""
    if not view.tags.isdisjoint(kind.tags):
        return True
    field_id = kind.field_id
    return field_id is not None and _holds(view.custom_fields.get(field_id), kind.field_value)


def marked_by(view: TicketView, kind: FollowUpKind) -> list[str]:
    """What marks ``view`` as ``kind``: its tags, and ``field <id>`` for the field value."""
    marks = [tag for tag in kind.tags if tag in view.tags]
    field_id = kind.field_id
    if field_id is not None and _holds(view.custom_fields.get(field_id), kind.field_value):
        marks.append(f"field {field_id}")
    return marks


def already_created(view: TicketView, kind: FollowUpKind) -> bool:
    """The kind's created tag is on the ticket, or the worker once added it."""
    if kind.created_tag in view.tags:
        return True
    worker = view.directory.account.worker_id
    for audit in view.audits:
        if worker is not None and audit.author_id == worker and _added(audit, kind.created_tag):
            return True
    return False


def _decide(
    view: TicketView, config: RulesConfig, kind: FollowUpKind, marker: Audit | None
) -> Decision:
    settings = config.follow_up
    account = config.account
    group_id = settings.group_id or (
        account.ispnext_groups[0].id if account.ispnext_groups else None
    )
    partner = _partner_of(view, config, marker)
    values = _values(view, config, kind, marker, group_id=group_id, partner=partner)
    system_field = account.system_field_id
    system = view.custom_fields.get(system_field) if system_field is not None else None
    create = CreateFollowUp(
        source_ticket_id=view.id,
        kind=kind.name,
        subject=render(config.template("follow_up", "subject", partner), values),
        body=render(config.template("follow_up", "body", partner), values),
        group_id=group_id,
        note=render(
            config.template("follow_up", "note", partner), {**values, "new_ticket": NEW_TICKET}
        ),
        tags=(FOLLOW_UP_TAG, f"zdsync_{kind.name}_of_{view.id}"),
        requester_id=view.requester_id,
        organization_id=view.organization_id,
        priority=view.priority,
        system_field_id=system_field if system is not None else None,
        system_value=system if isinstance(system, str | tuple) else None,
    )
    facts: dict[str, Json] = {
        "kind": kind.name,
        "marks": [mark for mark in marked_by(view, kind)],
        "marked_in_audit_id": marker.id if marker else None,
        "marked_by": marker.author_id if marker else None,
        "new_ticket_group_id": group_id,
        "requester_id": view.requester_id,
        "organization_id": view.organization_id,
    }
    key = decision_key(NAME, view.id, f"kind-{kind.name}")
    return Decision(key, NAME, view.id, (create, AddTags((kind.created_tag,))), facts)


def _partner_of(view: TicketView, config: RulesConfig, marker: Audit | None) -> int | None:
    """The partner whose texts the follow-up uses: the ticket's partner group, else that of
    the partner user who marked it."""
    if view.group_id in config.account.partner_group_ids:
        return view.group_id
    return view.directory.partner_group_of(marker.author_id if marker else None)


def _values(
    view: TicketView,
    config: RulesConfig,
    kind: FollowUpKind,
    marker: Audit | None,
    *,
    group_id: int | None,
    partner: int | None,
) -> dict[str, object]:
    """The placeholders of the follow-up's texts; where there is nobody to name, the
    partner's own words for that (``follow_up.no_requester`` and the like)."""
    directory, account = view.directory, config.account

    def words(key: str) -> str:
        return render(config.template("follow_up", key, partner), {})

    requester = (
        directory.name(view.requester_id)
        if view.requester_id is not None
        else words("no_requester")
    )
    organization = directory.organization_name(view.organization_id)
    return {
        "ticket": view.id,
        "subject": view.subject or "",
        "kind": kind.name,
        "label": kind.label,
        "group": account.group_name(view.group_id),
        "marked_by": directory.name(marker.author_id) if marker else words("no_marker"),
        "new_group": account.group_name(group_id),
        "requester": requester,
        "organization": organization or words("no_organization"),
        "customer": f"{requester} ({organization})" if organization else requester,
    }


def _marking_audit(view: TicketView, kind: FollowUpKind) -> Audit | None:
    """The latest audit that put one of the kind's marks on the ticket."""
    field = str(kind.field_id) if kind.field_id is not None else None
    for audit in reversed(view.audits):
        if any(_added(audit, tag) for tag in kind.tags):
            return audit
        change = audit.change(field) if field else None
        if change is not None and _holds(change.new, kind.field_value):
            return audit
    return None


def _holds(value: Value, wanted: str | None) -> bool:
    """A field value is ``wanted``, or a multi-select value contains it."""
    return value == wanted or (isinstance(value, tuple) and wanted in value)


def _added(audit: Audit, tag: str) -> bool:
    change = audit.change("tags")
    if change is None:
        return False
    new = change.new if isinstance(change.new, tuple) else ()
    old = change.old if isinstance(change.old, tuple) else ()
    return tag in new and tag not in old
