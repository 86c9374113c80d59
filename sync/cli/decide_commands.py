"""``zdsync decide`` and ``zdsync explain TICKET``: the rules over the local mirror.

Both read only the local database (no Zendesk credentials needed). ``decide`` queues what
the partner agreement requires in the outbox (push sends it later); ``--dry-run`` shows
the same decisions and writes nothing. ``explain`` shows, for one ticket, what every rule
concluded and from which facts, when a time-based rule will next act, and what is queued.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sync.cli.clocks import clock_for
from sync.cli.listing import table, when
from sync.cli.wiring import dry_run, exclusive, settings_from, store_for
from sync.config import Settings
from sync.decide.go_live import GoLive
from sync.decide.step import DecideReport, TicketExplanation, decide, explain
from sync.ports import MirrorStore
from sync.records import OutboxEntry, UserRecord

Names = Callable[[str, int | None], str]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "decide",
        help="apply the partner agreement to the mirror and queue the changes",
        description="Evaluate the tickets that changed or whose time has come and queue "
        "the rules' decisions in the outbox (deciding twice queues once).",
    )
    p.add_argument("--dry-run", action="store_true", help="show the decisions, write nothing")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(handler=cmd_decide)

    p = sub.add_parser(
        "explain",
        help="why each rule acted or not on one ticket",
        description="For every rule: fired or why not, with the facts it used; the next "
        "time a rule acts by time alone; the ticket's queued decisions and their states.",
    )
    p.add_argument("id", type=int, help="ticket id")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(handler=cmd_explain)


def cmd_decide(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    clock = clock_for(args)
    store = store_for(settings, clock)
    try:
        dry = dry_run(args, settings)
        with exclusive(store, "decide", writes=not dry):
            report = decide(store, settings, clock, dry_run=dry)
        names = names_for(store, settings)
    finally:
        store.close()
    if args.json:
        print(json.dumps(decide_document(report), indent=2))
    elif not report.problem:  # the problem itself is logged by decide, on stderr
        print(render_decisions(report, names))
    return 1 if report.problem else 0


def cmd_explain(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    clock = clock_for(args)
    store = store_for(settings, clock)
    try:
        found = explain(store, settings, clock, args.id)
        names = names_for(store, settings)
    finally:
        store.close()
    document = explain_document(found)
    print(json.dumps(document, indent=2) if args.json else render_explanation(document, names))
    return 0


def decide_document(report: DecideReport) -> dict[str, Any]:
    return {
        "now": report.now.isoformat(),
        "dry_run": report.dry_run,
        "problem": report.problem,
        "everything": report.everything,
        "candidates": report.candidates,
        "evaluated": report.evaluated,
        "skipped": report.skipped,
        "new": report.new,
        "already_queued": report.already_queued,
        "go_live": _go_live_document(report.go_live),
        "decisions": [
            {**line.decision.to_dict(), "why": line.why, "new": line.new} for line in report.lines
        ],
        "before_go_live": [
            {**line.decision.to_dict(), "why": line.why} for line in report.before_go_live
        ],
    }


def explain_document(found: TicketExplanation) -> dict[str, Any]:
    return {
        "ticket_id": found.ticket_id,
        "now": found.now.isoformat(),
        "rules": [verdict.to_dict() for verdict in found.verdicts],
        "next_due": found.next_due.isoformat() if found.next_due else None,
        "go_live": _go_live_document(found.go_live),
        "outbox": [_entry_document(entry) for entry in found.outbox],
    }


def _go_live_document(go_live: GoLive | None) -> dict[str, Any] | None:
    if go_live is None:
        return None
    instant = go_live.instant.isoformat() if go_live.instant else None
    return {"instant": instant, "source": go_live.source, "described": go_live.describe()}


def render_decisions(report: DecideReport, names: Names) -> str:
    lines = []
    if report.lines:
        rows = [
            [
                str(line.decision.ticket_id),
                line.decision.rule,
                describe_actions([a.to_dict() for a in line.decision.actions], names),
                line.why,
                "new" if line.new else "already queued",
            ]
            for line in report.lines
        ]
        lines += [table(("Ticket", "Rule", "Actions", "Why", "Outbox"), rows), ""]
    verb = "would be" if report.dry_run else "were"
    # The step's summary is its log line (stderr); this footer counts the table above.
    lines.append(
        f"{len(report.lines)} decision(s): {report.new} {verb} new, "
        f"{report.already_queued} already queued"
    )
    lines += _before_go_live(report, names)
    return "\n".join(lines)


def _before_go_live(report: DecideReport, names: Names) -> list[str]:
    """A dry run's second table: what the rules leave alone because it is history."""
    if report.go_live is None or not report.dry_run:
        return []
    lines = ["", f"Go-live: {report.go_live.describe()}"]
    if not report.before_go_live:
        return lines
    rows = [
        [
            str(line.decision.ticket_id),
            line.decision.rule,
            describe_actions([a.to_dict() for a in line.decision.actions], names),
            line.why,
        ]
        for line in report.before_go_live
    ]
    lines += [
        f"Not acted on: {len(rows)} decision(s) whose cause came before go-live",
        "",
        table(("Ticket", "Rule", "Would have", "Why not"), rows),
        "",
    ]
    return lines


def render_explanation(document: Mapping[str, Any], names: Names) -> str:
    now = when(document["now"])
    lines = [f"Ticket {document['ticket_id']}, rules evaluated at {now}", ""]
    for rule in document["rules"]:
        verdict = "FIRED" if rule["fired"] else "no"
        lines.append(f"{rule['rule']:<18} {verdict:<6} {rule['reason']}")
        lines += [f"    {key}: {_fact(key, value, names)}" for key, value in rule["facts"].items()]
        for decision in rule["decisions"]:
            actions = describe_actions(decision["actions"], names)
            lines.append(f"    -> {decision['key']}: {actions}")
    due = document["next_due"]
    lines += ["", f"Next due: {when(due) if due else 'nothing is waiting for a time'}"]
    go_live = document.get("go_live")
    if go_live:
        lines.append(f"Go-live:  {go_live['described']}")
        if go_live["instant"]:
            lines.append(
                "          Submit as Open, the time-entry note and the follow-up act only on "
                "changes after it; the hand back judges the current episode, however old"
            )
    lines.append("")
    entries = document["outbox"]
    if not entries:
        lines.append("Outbox: nothing queued for this ticket")
        return "\n".join(lines)
    rows = [
        [
            e["key"],
            e["state"],
            str(e["attempts"]),
            when(e["decided_at"]),
            _outcome(e),
            e["last_error"] or "",
        ]
        for e in entries
    ]
    headers = ("Key", "State", "Attempts", "Decided", "Zendesk", "Last error")
    lines += ["Outbox:", table(headers, rows)]
    return "\n".join(lines)


def describe_actions(actions: Sequence[Mapping[str, Any]], names: Names) -> str:
    """Actions in a few words each, with the names agents know."""
    words = []
    for action in actions:
        kind = action["type"]
        if kind == "assign":
            group, agent = action.get("group_id"), action.get("assignee_id")
            whom = [names("group", group)] if group else []
            whom += [names("user", agent)] if agent else []
            words.append("assign to " + " / ".join(whom))
        elif kind == "set_status":
            words.append(f"status -> {action['status']}")
        elif kind == "add_note":
            words.append("internal note")
        elif kind in {"add_tags", "remove_tags"}:
            sign = "+" if kind == "add_tags" else "-"
            words.append("tags " + " ".join(sign + tag for tag in action["tags"]))
        elif kind == "create_follow_up":
            words.append(f"new {action['kind'].replace('_', ' ')} ticket")
        else:
            words.append(str(kind))
    return "; ".join(words)


def names_for(store: MirrorStore, settings: Settings) -> Names:
    """How the CLI names users and groups in decisions and explanations."""
    return _names(store.load_directory().users, settings)


def _names(users: Sequence[UserRecord], settings: Settings) -> Names:
    people = {user.id: user.name for user in users}
    groups = {g.id: g.name for g in (*settings.ispnext_groups, *settings.partner_groups)}

    def name(kind: str, ident: int | None) -> str:
        known = people if kind == "user" else groups
        return known.get(ident, f"{kind} {ident}") if ident is not None else ""

    return name


def _outcome(entry: Mapping[str, Any]) -> str:
    """What Zendesk gave back: the audit of the update, the follow-up ticket it created."""
    parts = []
    if entry["audit_id"]:
        parts.append(f"audit {entry['audit_id']}")
    if entry["created_ticket_id"]:
        parts.append(f"new ticket #{entry['created_ticket_id']}")
    return ", ".join(parts)


def _entry_document(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "rule": entry.rule,
        "state": entry.state,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "audit_id": entry.audit_id,
        "created_ticket_id": entry.created_ticket_id,
        "decided_at": entry.decided_at.isoformat(),
        "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
        "actions": [dict(action) for action in entry.actions],
    }


def _fact(key: str, value: Any, names: Names) -> str:
    if key.endswith("_by") and isinstance(value, int):  # episode_started_by, changed_by, ...
        return f"{value} ({names('user', value)})"
    return value if isinstance(value, str) else json.dumps(value)
