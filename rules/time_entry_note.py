"""Time entries need an internal note.

The agreement (seed 004): "When saving a ticket an pop-up box will appear for full
licenced agents, light agents will not be asked to save the spend time. There is no option
to submit notes related to the time registration, alle notes related to this should be
entered in an internal note." And: "Ensure that all internal messages for ISPnext agents
are marked as 'Internal note'."

An audit by a partner user that raises "Total time spent (sec)" must hold an internal
(``public: false``) comment in the same audit; if not, the worker adds an internal note
asking for one and tags the ticket. Recorded time is detected by the Total's delta, because
entering the same time twice changes only the Total, not "Time spent last update"
(zendesk-api.md §10). A public reply does not count. Once per audit; audits the worker has
already answered (those before its latest audit, which safe_update orders after every
audit it saw) are not looked at again.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rules.actions import AddNote, AddTags, Json
from rules.config import RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, decision_key, no
from rules.model import FINAL, Audit, Comment, FieldChange, TicketView, UserKind, as_seconds
from rules.template import render

NAME = "time_entry_note"


def require_time_note(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Ask for an internal note on every partner time entry that came without one."""
    field = config.account.total_time_field
    if field is None:
        reason = "the Time Tracking field 'Total time spent (sec)' is not known"
        return no(reason)
    if view.status in FINAL:
        return no(f"the ticket is {view.status}", {"status": view.status})
    unnoted = new_time_entries(view, field, without_note=True)[0]
    decisions = tuple(_decide(view, config, audit, field) for audit in unnoted)
    return decisions, partial(_explain, view, field)


RULE = Rule(NAME, "time_entry_note", require_time_note)


def new_time_entries(
    view: TicketView, field: str, *, without_note: bool = False
) -> tuple[list[Audit], int]:
    """The audits after the worker's latest one in which a partner user raised the Total
    (``field``), oldest first (only those without an internal note if ``without_note``),
    and the index of the first audit after the worker's."""
    worker = view.directory.account.worker_id
    kind = view.directory.kind
    audits = view.audits
    found = []
    index = len(audits)
    for audit in reversed(audits):  # from the end: usually only a few audits are new
        if audit.author_id == worker and worker is not None:
            break
        index -= 1
        if without_note and audit.has_internal_note:
            continue  # checked first: the cheapest test, and the usual answer
        change = audit.changes.get(field)
        if change is not None and _raised(change) and kind(audit.author_id) is UserKind.PARTNER:
            found.append(audit)
    found.reverse()
    return found, index


def _entry(audit: Audit, field: str) -> dict[str, Json]:
    change = audit.change(field)
    before = as_seconds(change.old) or 0 if change else 0
    after = as_seconds(change.new) or 0 if change else 0
    return {
        "audit_id": audit.id,
        "author_id": audit.author_id,
        "seconds_added": after - before,
        "total_before": before,
        "total_after": after,
        "internal_note": audit.has_internal_note,
        "public_reply": any(type(e) is Comment and e.public for e in audit.events),
    }


def _explain(view: TicketView, field: str) -> tuple[str, Facts]:
    entries, since = new_time_entries(view, field)
    facts: dict[str, Json] = {
        "since_audit_id": view.audits[since - 1].id if since else None,
        "time_entries": [_entry(audit, field) for audit in entries],
    }
    missing = sum(1 for audit in entries if not audit.has_internal_note)
    if missing:
        return f"{missing} time entry without an internal note", facts
    if entries:
        return "every partner time entry came with an internal note", facts
    return "no new partner time entry", facts


def _decide(view: TicketView, config: RulesConfig, audit: Audit, field: str) -> Decision:
    settings = config.time_entry_note
    directory = view.directory
    entry = _entry(audit, field)
    seconds = entry["seconds_added"]
    note = render(
        settings.note,
        {
            "user": directory.name(audit.author_id),
            "partner": config.account.group_name(directory.partner_group_of(audit.author_id)),
            "minutes": -(-seconds // 60) if isinstance(seconds, int) else 0,  # rounded up
            "seconds": seconds,
            "audit": audit.id,
            "tag": settings.tag,
        },
    )
    key = decision_key(NAME, view.id, f"audit-{audit.id}")
    return Decision(key, NAME, view.id, (AddNote(note), AddTags((settings.tag,))), entry)


def _raised(change: FieldChange) -> bool:
    """The change raised the Total (values as Zendesk sends them: "3600")."""
    try:  # the usual whole seconds, without as_seconds' checks: asked of every audit
        return int(change.new or 0) > int(change.old or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return (as_seconds(change.new) or 0) > (as_seconds(change.old) or 0)
