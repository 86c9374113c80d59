"""Maintenance / Change Request needs a new ticket.

The agreement (seed 004): "If a support ticket results in Maintenance or a Change Request
(CR), a new ticket must be created."

When a ticket is marked as one of the configured kinds (by one of its tags, or by a custom
field's value), the worker creates a new ticket for ISPnext that links the original
(subject and body from the configuration) and notes the new ticket's number on the
original, tagging it with the kind's ``created_tag``. Once per ticket and kind: that tag,
or any audit in which the worker added it, means it was done, so a tag that is added,
removed and added again still gives one new ticket. Closed and deleted tickets are left
alone; a solved one still gets its follow-up.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rules.actions import NEW_TICKET, AddTags, CreateFollowUp, Json
from rules.config import FollowUpKind, RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, decision_key, no
from rules.model import FINAL, Audit, TicketView, Value
from rules.template import render

NAME = "follow_up_ticket"
#: On every ticket the worker creates; the second tag finds it again from the original.
FOLLOW_UP_TAG = "zdsync_follow_up"


def create_follow_up(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Create the new ticket a Maintenance or Change Request mark asks for."""
    if view.status in FINAL:
        return no(f"the ticket is {view.status}", {"status": view.status})
    kinds = config.follow_up.kinds
    if view.tags.isdisjoint(config.follow_up.marking_tags) and not config.follow_up.marking_fields:
        return (), partial(_explain, view, kinds)  # nearly every ticket, nearly every time
    decisions: tuple[Decision, ...] = ()
    for kind in kinds:
        if is_marked(view, kind) and not already_created(view, kind):
            decisions += (_decide(view, config, kind),)
    return decisions, partial(_explain, view, kinds)


def _explain(view: TicketView, kinds: tuple[FollowUpKind, ...]) -> tuple[str, Facts]:
    facts: dict[str, Json] = {}
    fired = []
    for kind in kinds:
        marks = marked_by(view, kind)
        if not marks:
            facts[kind.name] = "not marked"
        elif already_created(view, kind):
            facts[kind.name] = f"marked ({', '.join(marks)}); new ticket already created"
        else:
            facts[kind.name] = f"marked ({', '.join(marks)})"
            fired.append(kind.label)
    if fired:
        return f"marked as {', '.join(fired)}", facts
    return "no kind is marked without its new ticket", facts


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


def _decide(view: TicketView, config: RulesConfig, kind: FollowUpKind) -> Decision:
    settings = config.follow_up
    account = config.account
    group_id = settings.group_id or (
        account.ispnext_groups[0].id if account.ispnext_groups else None
    )
    marker = _marking_audit(view, kind)
    values: dict[str, object] = {
        "ticket": view.id,
        "subject": view.subject or "",
        "kind": kind.name,
        "label": kind.label,
        "group": account.group_name(view.group_id),
        "marked_by": view.directory.name(marker.author_id) if marker else "unknown",
    }
    create = CreateFollowUp(
        source_ticket_id=view.id,
        kind=kind.name,
        subject=render(settings.subject, values),
        body=render(settings.body, values),
        group_id=group_id,
        note=render(settings.note, {**values, "new_ticket": NEW_TICKET}),
        tags=(FOLLOW_UP_TAG, f"zdsync_{kind.name}_of_{view.id}"),
    )
    facts: dict[str, Json] = {
        "kind": kind.name,
        "marks": [mark for mark in marked_by(view, kind)],
        "marked_in_audit_id": marker.id if marker else None,
        "marked_by": marker.author_id if marker else None,
        "new_ticket_group_id": group_id,
    }
    key = decision_key(NAME, view.id, f"kind-{kind.name}")
    return Decision(key, NAME, view.id, (create, AddTags((kind.created_tag,))), facts)


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
