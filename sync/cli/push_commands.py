"""``zdsync push``, ``zdsync once`` and ``zdsync status``: writing back, and how it went.

- ``push [--dry-run]``: send the outbox to Zendesk, one merged safe update per ticket;
  ``--dry-run`` shows each ticket's merged change and sends nothing (no credentials needed);
- ``once [--dry-run]``: one whole cycle, pull -> decide -> push, for cron or a Kubernetes
  job; exit code 1 when anything failed (a pull error, an entry that failed);
- ``status``: the outbox by state, the oldest pending decision, the latest errors, where
  the export cursor stands and how many tickets wait for their audits.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from datetime import UTC, datetime
from typing import Any, cast

from sync.cli.decide_commands import Names, names_for
from sync.cli.wiring import settings_from, store_for, zendesk_for
from sync.clock import SystemClock
from sync.cycle import run_cycle
from sync.errors import WorkerError
from sync.listing import table
from sync.outcomes import PlannedChange, PushReport
from sync.ports import Zendesk
from sync.pull import CURSOR_KEY, DIRECTORY_REFRESHED_KEY
from sync.push import PushingStore, push
from sync.records import OutboxSummary, TicketChange


def register(sub: Any) -> None:
    p = sub.add_parser(
        "push",
        help="send the queued decisions to Zendesk (one merged update per ticket)",
        description="Re-check every queued decision against the mirror and the rules, merge "
        "each ticket's into one safe update and send it; record every outcome.",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(handler=cmd_push)

    p = sub.add_parser("once", help="one cycle: pull, decide, push (exit 1 if anything failed)")
    p.add_argument(
        "--dry-run", action="store_true", help="pull, then show what would be decided and sent"
    )
    p.set_defaults(handler=cmd_once)

    p = sub.add_parser("status", help="the outbox, the export cursor and what is waiting")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(handler=cmd_status)


def cmd_push(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=not args.dry_run)
    store = store_for(settings)
    client = zendesk_for(settings) if settings.zendesk is not None else _Offline()
    try:
        zendesk = cast(Zendesk, client)  # _Offline only in dry runs, which send nothing
        report = push(store, zendesk, settings, SystemClock(), dry_run=args.dry_run)
        names = names_for(store, settings)
    finally:
        client.close()
        store.close()
    if args.json:
        print(json.dumps(push_document(report), indent=2))
    else:
        print(render_push(report, names))
    return 1 if report.problem or report.failed else 0


def cmd_once(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    store = store_for(settings)
    client = zendesk_for(settings)
    try:
        report = run_cycle(client, store, settings, SystemClock(), dry_run=args.dry_run)
        names = names_for(store, settings)
    finally:
        client.close()
        store.close()
    print(f"pull: {report.pull.summary()}")
    for error in report.pull.errors:
        print(f"  error: {error}", file=sys.stderr)
    print(f"decide: {report.decide.summary()}")
    print(render_push(report.push, names))
    return 1 if report.failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    try:
        document = status_document_for(store)
    finally:
        store.close()
    print(json.dumps(document, indent=2) if args.json else render_status(document))
    return 0


def status_document_for(store: PushingStore) -> dict[str, Any]:
    return status_document(
        store.outbox_summary(),
        cursor=store.read_state(CURSOR_KEY),
        directory_refreshed=store.read_state(DIRECTORY_REFRESHED_KEY),
        waiting_for_audits=len(store.tickets_needing_audits()),
    )


def push_document(report: PushReport) -> dict[str, Any]:
    return {
        "now": report.now.isoformat(),
        "dry_run": report.dry_run,
        "problem": report.problem,
        "outcomes": dict(report.outcomes),
        "rounds": report.rounds,
        "follow_ups_created": report.follow_ups_created,
        "repulled": report.repulled,
        "stopped": report.stopped,
        "errors": report.errors,
        "changes": [
            {
                "ticket_id": p.ticket_id,
                "via": p.via,
                "keys": list(p.keys),
                "change": _change_document(p.change),
            }
            for p in report.planned
        ],
    }


def render_push(report: PushReport, names: Names) -> str:
    lines: list[str] = []
    if report.planned:
        rows = [_row(planned, names) for planned in report.planned]
        lines += [table(("Ticket", "Via", "Entries", "Change"), rows), ""]
    lines += [f"  error: {error}" for error in report.errors]
    lines.append(f"push: {report.summary()}")
    return "\n".join(lines)


def describe_change(change: TicketChange, names: Names) -> str:
    """A change in a few words, with the names agents know."""
    fields = change.fields
    words = []
    if "group_id" in fields or "assignee_id" in fields:
        whom = [names("group", fields["group_id"])] if "group_id" in fields else []
        agent = fields.get("assignee_id")
        whom.append(names("user", agent) if agent else "no agent")
        words.append("assign to " + " / ".join(whom))
    if "status" in fields:
        words.append(f"status -> {fields['status']}")
    if "tags" in fields:
        words.append("tags = " + " ".join(fields["tags"]))
    if change.additional_tags or change.remove_tags:
        signed = [f"+{t}" for t in change.additional_tags] + [f"-{t}" for t in change.remove_tags]
        words.append("tags " + " ".join(signed))
    if change.note is not None:
        words.append(f"internal note ({len(change.note.splitlines())} lines)")
    safe = "safe update" if change.updated_stamp else "no stamp"
    return "; ".join(words) + f" [{safe}]"


def status_document(
    summary: OutboxSummary,
    *,
    cursor: str | None,
    directory_refreshed: str | None,
    waiting_for_audits: int,
) -> dict[str, Any]:
    return {
        "outbox": dict(summary.counts),
        "oldest_pending": summary.oldest_pending.isoformat() if summary.oldest_pending else None,
        "last_errors": [
            {
                "key": e.key,
                "state": e.state,
                "attempts": e.attempts,
                "error": e.last_error,
                "updated_at": e.updated_at.isoformat() if e.updated_at else None,
            }
            for e in summary.last_errors
        ],
        "export_cursor": cursor,
        "export_position": cursor_position(cursor),
        "directory_refreshed_at": directory_refreshed,
        "tickets_waiting_for_audits": waiting_for_audits,
    }


def render_status(document: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {state}" for state, n in document["outbox"].items())
    oldest = document["oldest_pending"]
    position = document["export_position"]
    lines = [
        f"Outbox:  {counts}",
        f"         oldest pending decision: {_when(oldest) if oldest else 'none'}",
        f"Export:  cursor {document['export_cursor'] or '(none: no pull yet)'}",
    ]
    if position:
        lines.append(f"         at the changes of {position}")
    refreshed = document["directory_refreshed_at"]
    lines.append(f"         directory refreshed {_when(refreshed) if refreshed else 'never'}")
    lines.append(f"Audits:  {document['tickets_waiting_for_audits']} ticket(s) waiting")
    errors = document["last_errors"]
    if errors:
        rows = [
            [e["key"], e["state"], str(e["attempts"]), _when(e["updated_at"]), e["error"] or ""]
            for e in errors
        ]
        lines += ["", "Last errors:", table(("Key", "State", "Attempts", "Updated", "Error"), rows)]
    return "\n".join(lines)


def cursor_position(cursor: str | None) -> str | None:
    """Where an export cursor stands, when it has the shape Zendesk's cursors were seen to
    have (``base64("<generated_timestamp>.0||<ticket id>|")``, zendesk-api.md section 1);
    None for any other (they are opaque: nothing relies on this)."""
    if not cursor:
        return None
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
        stamp, _, rest = decoded.partition("||")
        moment = datetime.fromtimestamp(float(stamp), UTC)
        ticket = int(rest.rstrip("|"))
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        return None
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S UTC')}, ticket {ticket}"


def _row(planned: PlannedChange, names: Names) -> list[str]:
    rules = ", ".join(sorted({key.split(":", 1)[0] for key in planned.keys}))
    return [str(planned.ticket_id), planned.via, rules, describe_change(planned.change, names)]


def _change_document(change: TicketChange) -> dict[str, Any]:
    return {
        "fields": dict(change.fields),
        "note": change.note,
        "updated_stamp": change.updated_stamp,
        "additional_tags": list(change.additional_tags),
        "remove_tags": list(change.remove_tags),
    }


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class _Offline:
    """Stands for Zendesk in a dry run without credentials: a dry run sends nothing."""

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise WorkerError(f"a dry run does not talk to Zendesk (it asked for {name})")
