"""The time-entry reminder answered: the partner's internal note came after the entry.

The reminder tags the ticket (``time_note_missing``) so that a Zendesk view can list the
open reminders. A reminder is answered once a partner user adds an internal note in a later
update: the note need not come with the time entry itself. Then the tag goes, with a short
internal note saying so, in one update; an entry followed by such a note before the worker
got to it is not asked about at all (no reminder to take back a cycle later).

Part of the time-entry note rule (``rules.time_entry_note``), which decides the removal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.actions import AddNote, Json, RemoveTags
from rules.config import RulesConfig
from rules.decision import Decision, decision_key
from rules.model import Audit, Comment, FieldChange, TicketView, UserKind, as_seconds
from rules.template import format_time, render


def partner_note_index(view: TicketView) -> int:
    """The index of the latest audit with an internal note by a partner user; -1 if none."""
    audits = view.audits
    for index in range(len(audits) - 1, -1, -1):
        if holds_partner_note(view, audits[index]):
            return index
    return -1


def unanswered(view: TicketView, entries: Sequence[Audit]) -> list[Audit]:
    """The ``entries`` (audits of ``view``) that no partner's internal note followed."""
    if not entries:
        return []
    latest = partner_note_index(view)
    if latest < 0:
        return list(entries)
    answered = {audit.id for audit in view.audits[:latest]}
    return [audit for audit in entries if audit.id not in answered]


def holds_partner_note(view: TicketView, audit: Audit) -> bool:
    """``audit`` holds an internal note written by a partner user (a light agent too)."""
    if not audit.has_internal_note:
        return False
    kind = view.directory.kind
    return any(
        type(event) is Comment
        and not event.public
        and kind(event.author_id or audit.author_id) is UserKind.PARTNER
        for event in audit.events
    )


def answered_entry(view: TicketView, field: str) -> tuple[Audit, Audit] | None:
    """(the latest partner time entry without an internal note, the first partner note
    after it), or None when there is no such entry or no note followed it yet."""
    entry, note = last_unnoted_entry(view, field)
    return (entry, note) if entry is not None and note is not None else None


def last_unnoted_entry(view: TicketView, field: str) -> tuple[Audit | None, Audit | None]:
    """The latest partner time entry without an internal note (None: there is none) and
    the first partner note after it (None: not answered yet)."""
    kind = view.directory.kind
    note: Audit | None = None
    for audit in reversed(view.audits):
        if holds_partner_note(view, audit):
            note = audit  # going back: ends as the first note after the entry
            continue
        change = audit.changes.get(field)
        if change is not None and raised(change) and kind(audit.author_id) is UserKind.PARTNER:
            return audit, note
    return None, None


def tag_removal(view: TicketView, config: RulesConfig, field: str) -> Decision | None:
    """Remove the reminder tag when the partner's internal note followed the time entry it
    asked about, explained in a note; None while the tag is absent or not yet answered. A
    note before go-live is history: the tag it would answer is left alone."""
    settings = config.time_entry_note
    if settings.tag not in view.tags:
        return None
    found = answered_entry(view, field)
    if found is None or not config.acts_on(found[1].created_at):
        return None
    entry, note = found
    directory, zone = view.directory, config.time_zone
    author = note_author(note)
    text = render(
        config.template("time_entry_note", "tag_removed_note", directory.partner_group_of(author)),
        {
            "user": directory.name(author),
            "partner": config.account.group_name(directory.partner_group_of(author)),
            "time": format_time(note.created_at, zone),
            "entry_time": format_time(entry.created_at, zone),
            "tag": settings.tag,
        },
    )
    facts = answered_facts(entry, note)
    key = decision_key("time_entry_note", view.id, f"answered-{entry.id}")
    actions = (RemoveTags((settings.tag,)), AddNote(text))
    return Decision(key, "time_entry_note", view.id, actions, facts)


def answered_facts(entry: Audit, note: Audit) -> dict[str, Json]:
    return {
        "time_entry_audit_id": entry.id,
        "time_entry_at": entry.created_at.isoformat(),
        "note_audit_id": note.id,
        "note_at": note.created_at.isoformat(),
        "note_by": note_author(note),
    }


def answered_reason(view: TicketView, config: RulesConfig, entry: Audit, note: Audit) -> str:
    """``Piet Acme added an internal note at …, after the time entry of …: the tag … goes``."""
    zone = config.time_zone
    return (
        f"{view.directory.name(note_author(note))} added an internal note at "
        f"{format_time(note.created_at, zone)}, after the time entry of "
        f"{format_time(entry.created_at, zone)}: the tag {config.time_entry_note.tag} goes"
    )


def note_author(audit: Audit) -> int | None:
    """Who wrote the audit's internal note (its author unless the comment names another)."""
    for event in audit.events:
        if type(event) is Comment and not event.public and event.author_id is not None:
            return event.author_id
    return audit.author_id


def raised(change: FieldChange) -> bool:
    """The change raised the Total (values as Zendesk sends them: "3600")."""
    try:  # the usual whole seconds, without as_seconds' checks: asked of every audit
        return int(change.new or 0) > int(change.old or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return (as_seconds(change.new) or 0) > (as_seconds(change.old) or 0)
