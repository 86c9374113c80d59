"""Time entries need an internal note.

The agreement (seed 004): "When saving a ticket an pop-up box will appear for full
licenced agents, light agents will not be asked to save the spend time. There is no option
to submit notes related to the time registration, alle notes related to this should be
entered in an internal note." And: "Ensure that all internal messages for ISPnext agents
are marked as 'Internal note'."

An audit by a partner user that raises "Total time spent (sec)" must hold an internal
(``public: false``) comment, or a partner user's internal note must follow it; if neither,
the worker adds an internal note asking for one and tags the ticket. Once that note comes,
the tag goes again, explained in one update (``rules.reminder_answered``), so the tag can
drive a Zendesk view of open reminders. Recorded time is detected by the Total's delta, because
entering the same time twice changes only the Total, not "Time spent last update"
(zendesk-api.md §10). A public reply does not count. Entries made before go-live
(``act_on_changes_since``) are history and not asked about. Once per audit; audits the
worker has already answered (those before its latest audit, which safe_update orders after
every audit it saw) are not looked at again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from rules.actions import AddNote, AddTags, Json
from rules.config import RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, decision_key, no
from rules.go_live import before_go_live
from rules.model import FINAL, Audit, Comment, TicketView, UserKind, as_seconds
from rules.reminder_answered import (
    answered_entry,
    answered_facts,
    answered_reason,
    last_unnoted_entry,
    raised,
    tag_removal,
    unanswered,
)
from rules.template import format_duration, format_time, render

NAME = "time_entry_note"


def require_time_note(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Ask for an internal note on every partner time entry that came without one; remove
    the reminder's tag once a partner's internal note followed."""
    field = config.account.total_time_field
    if field is None:
        reason = "the Time Tracking field 'Total time spent (sec)' is not known"
        return no(reason)
    if view.status in FINAL:
        return no(f"the ticket is {view.status}", {"status": view.status})
    since = config.act_on_changes_since
    unnoted = new_time_entries(view, field, since, without_note=True)[0]
    decisions = tuple(_decide(view, config, a, field) for a in unanswered(view, unnoted))
    if not decisions and config.time_entry_note.tag in view.tags:
        removal = tag_removal(view, config, field)
        decisions = (removal,) if removal is not None else ()
    return decisions, partial(_explain, view, config, field)


RULE = Rule(NAME, "time_entry_note", require_time_note)


def new_time_entries(
    view: TicketView, field: str, since: datetime | None = None, *, without_note: bool = False
) -> tuple[list[Audit], int]:
    """The audits after the worker's latest one and after go-live (``since``) in which a
    partner user raised the Total (``field``), oldest first (only those without an internal
    note if ``without_note``), and the index of the first audit looked at."""
    worker = view.directory.account.worker_id
    kind = view.directory.kind
    audits = view.audits
    found = []
    index = len(audits)
    for audit in reversed(audits):  # from the end: usually only a few audits are new
        if (audit.author_id == worker and worker is not None) or (
            since is not None and audit.created_at <= since
        ):
            break
        index -= 1
        if without_note and audit.has_internal_note:
            continue  # checked first: the cheapest test, and the usual answer
        change = audit.changes.get(field)
        if change is not None and raised(change) and kind(audit.author_id) is UserKind.PARTNER:
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


def _explain(view: TicketView, config: RulesConfig, field: str) -> tuple[str, Facts]:
    go_live = config.act_on_changes_since
    entries, since = new_time_entries(view, field, go_live)
    facts: dict[str, Json] = {
        "since_audit_id": view.audits[since - 1].id if since else None,
        "go_live": go_live.isoformat() if go_live else None,
        "time_entries": [_entry(audit, field) for audit in entries],
    }
    missing = unanswered(view, [audit for audit in entries if not audit.has_internal_note])
    if missing:
        return _entries(len(missing), view, config, missing), facts
    tag = config.time_entry_note.tag
    answered = answered_entry(view, field) if tag in view.tags else None
    if answered is not None and config.acts_on(answered[1].created_at):
        facts["answered"] = answered_facts(*answered)
        return answered_reason(view, config, *answered), facts
    if tag in view.tags:
        waiting = last_unnoted_entry(view, field)[0]
        if waiting is not None and answered is None:
            return _waiting(view, config, waiting), facts
    if entries:
        return "every new partner time entry came with an internal note or one followed", facts
    older = unanswered(view, new_time_entries(view, field, without_note=True)[0])
    if older:  # only those before go-live, or the loop above would have found them
        what = _entries(len(older), view, config)
        last = older[-1]
        return before_go_live(
            config, what, last.created_at, view.directory.name(last.author_id)
        ), facts
    return "no new partner time entry", facts


def _waiting(view: TicketView, config: RulesConfig, entry: Audit) -> str:
    when = format_time(entry.created_at, config.time_zone)
    who = view.directory.name(entry.author_id)
    tag = config.time_entry_note.tag
    return f"reminded of the time entry ({who}, {when}): {tag} stays until a partner's note"


def _entries(
    count: int, view: TicketView, config: RulesConfig, audits: list[Audit] | None = None
) -> str:
    """``a time entry by Piet Acme (2025-01-06 10:00 UTC) without an internal note``."""
    what = "a time entry" if count == 1 else f"{count} time entries"
    if audits:
        names = view.directory.name
        zone = config.time_zone
        shown = "; ".join(
            f"{names(a.author_id)}, {format_time(a.created_at, zone)}" for a in audits
        )
        what = f"{what} ({shown})"
    return f"{what} without an internal note"


def _decide(view: TicketView, config: RulesConfig, audit: Audit, field: str) -> Decision:
    settings = config.time_entry_note
    directory = view.directory
    entry = _entry(audit, field)
    seconds = entry["seconds_added"]
    minutes = -(-seconds // 60) if isinstance(seconds, int) else 0  # rounded up
    author_group = directory.partner_group_of(audit.author_id)
    note = render(
        config.template("time_entry_note", "note", author_group),
        {
            "user": directory.name(audit.author_id),
            "partner": config.account.group_name(author_group),
            "time": format_time(audit.created_at, config.time_zone),
            "duration": format_duration(timedelta(minutes=minutes)),
            "minutes": minutes,
            "seconds": seconds,
            "audit": audit.id,
            "tag": settings.tag,
        },
    )
    key = decision_key(NAME, view.id, f"audit-{audit.id}")
    return Decision(key, NAME, view.id, (AddNote(note), AddTags((settings.tag,))), entry)
