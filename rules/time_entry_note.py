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

from rules.actions import AddNote, AddTags, Json
from rules.config import RulesConfig
from rules.decision import Decision, Rule, Verdict, decision_key
from rules.model import FINAL, Audit, Comment, TicketView, UserKind, as_seconds
from rules.template import render

NAME = "time_entry_note"


def require_time_note(view: TicketView, config: RulesConfig, now: datetime) -> Verdict:
    """Ask for an internal note on every partner time entry that came without one."""
    field_id = config.account.total_time_field_id
    if field_id is None:
        return Verdict(NAME, "the Time Tracking field 'Total time spent (sec)' is not known", {})
    if view.status in FINAL:
        return Verdict(NAME, f"the ticket is {view.status}", {"status": view.status})
    since = _after_worker(view)
    field_name = str(field_id)
    entries: list[Json] = []
    decisions: list[Decision] = []
    for audit in view.audits[since:]:
        change = audit.change(field_name)
        if change is None or view.directory.kind(audit.author_id) is not UserKind.PARTNER:
            continue
        before, after = as_seconds(change.old) or 0, as_seconds(change.new) or 0
        if after <= before:
            continue
        entry: dict[str, Json] = {
            "audit_id": audit.id,
            "author_id": audit.author_id,
            "seconds_added": after - before,
            "total_before": before,
            "total_after": after,
            "internal_note": audit.has_internal_note,
            "public_reply": any(type(e) is Comment and e.public for e in audit.events),
        }
        entries.append(entry)
        if not audit.has_internal_note:
            decisions.append(_decide(view, config, audit, entry))
    facts: dict[str, Json] = {
        "since_audit_id": view.audits[since - 1].id if since else None,
        "time_entries": entries,
    }
    if decisions:
        return Verdict(
            NAME, f"{len(decisions)} time entry without an internal note", facts, tuple(decisions)
        )
    if entries:
        return Verdict(NAME, "every partner time entry came with an internal note", facts)
    return Verdict(NAME, "no new partner time entry", facts)


RULE = Rule(NAME, "time_entry_note", require_time_note)


def _decide(
    view: TicketView, config: RulesConfig, audit: Audit, entry: dict[str, Json]
) -> Decision:
    settings = config.time_entry_note
    directory = view.directory
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


def _after_worker(view: TicketView) -> int:
    """Index of the first audit after the worker's latest one (0 if it never wrote)."""
    worker = view.directory.account.worker_id
    if worker is None:
        return 0
    for index in range(len(view.audits) - 1, -1, -1):
        if view.audits[index].author_id == worker:
            return index + 1
    return 0
