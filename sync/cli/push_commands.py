"""``zdsync push`` and ``zdsync once``: writing back.

- ``push [--dry-run]``: send the outbox to Zendesk, one merged safe update per ticket;
  ``--dry-run`` shows each ticket's merged change and sends nothing (no credentials needed);
- ``once [--dry-run]``: one whole cycle, pull -> decide -> push, for cron or a Kubernetes
  job; exit code 1 when anything failed or waits because of an error (a pull error, a push
  stopped by an outage, an entry failed now or before: see ``zdsync retry``).

Both print the changes sent (or planned) on stdout, or with ``--json`` one document
(docs/cli.md); each step's summary is its log line on stderr.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, cast

from sync.cli.clocks import clock_for
from sync.cli.decide_commands import Names, decide_document, names_for
from sync.cli.documents import pull_document
from sync.cli.listing import table
from sync.cli.wiring import (
    dry_run,
    exclusive,
    notifier_for,
    settings_from,
    store_for,
    zendesk_for,
)
from sync.cycle import CycleReport
from sync.errors import WorkerError
from sync.metrics import measured_cycle
from sync.ports import Zendesk
from sync.push.outcomes import PlannedChange, PushReport
from sync.push.step import PushingStore, push
from sync.records import TicketChange
from sync.stopping import Stopping, exit_code, run_stoppable


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

    p = sub.add_parser(
        "once", help="one cycle: pull, decide, push (exit 1 if anything failed or was left unsent)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="pull, then show what would be decided and sent"
    )
    p.add_argument("--json", action="store_true", help="JSON instead of a table (docs/cli.md)")
    p.set_defaults(handler=cmd_once)


def cmd_push(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=not args.dry_run)
    clock = clock_for(args)
    store = store_for(settings, clock)
    stopping = Stopping()
    client = zendesk_for(settings, stopping=stopping) if settings.zendesk else _Offline()
    try:
        zendesk = cast(Zendesk, client)  # _Offline only in dry runs, which send nothing
        dry = dry_run(args, settings)
        with exclusive(store, "push", writes=not dry):
            report = run_stoppable(
                lambda: push(store, zendesk, settings, clock, dry_run=dry, stop=stopping),
                stopping,
            )
        names = names_for(store, settings)
        failed = failed_entries(store) if not args.dry_run else 0
    finally:
        client.close()
        store.close()
    if args.json:
        print(json.dumps(push_document(report), indent=2))
    elif report.planned:
        print(render_push(report, names))
    incomplete = report.problem or report.stopped or report.failed or report.interrupted
    return exit_code(stopping, failed=bool(incomplete or failed))


def failed_entries(store: PushingStore) -> int:
    """Failed entries in the outbox, this run's or older ones (``zdsync retry`` them)."""
    return store.outbox_summary(errors=0).counts.get("failed", 0)


def cmd_once(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    clock = clock_for(args)
    store = store_for(settings, clock)
    stopping = Stopping()
    client = zendesk_for(settings, stopping=stopping)
    notifier = notifier_for(settings)
    try:
        with exclusive(store, "once"):  # a dry run still pulls into the mirror
            report = run_stoppable(
                lambda: measured_cycle(
                    client, store, settings, clock, [notifier] if notifier else [],
                    dry_run=dry_run(args, settings), stop=stopping,
                ),
                stopping,
            )  # fmt: skip
        names = names_for(store, settings)
    finally:
        if notifier is not None:
            notifier.close()  # delivers what the cycle had to say, within a bound
        client.close()
        store.close()
    if args.json:
        print(json.dumps(cycle_document(report), indent=2))
    elif report.push.planned:
        print(render_push(report.push, names))
    return exit_code(stopping, failed=report.failed)


def cycle_document(report: CycleReport) -> dict[str, Any]:
    return {
        "failed": report.failed,
        "failed_entries": report.failed_entries,
        "stopped": report.stopped,
        "seconds": round(report.seconds, 3),
        "pull": pull_document(report.pull),
        "decide": decide_document(report.decide),
        "push": push_document(report.push),
    }


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
        "stopped_by": report.stopped_by,
        "left": report.left,
        "errors": report.errors,
        "seconds": round(report.seconds, 3),
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
    """The changes sent (or planned), one row per ticket; the outcomes are the step's log
    line, each error its own."""
    rows = [_row(planned, names) for planned in report.planned]
    verb = "planned (dry run: nothing sent, nothing written)" if report.dry_run else "sent"
    footer = f"{len(rows)} change(s) {verb}"
    if report.stopped:
        footer += (f"; stopped early ({report.stopped_by}): {report.left} entr(y/ies) left for "
                   "the next cycle, no attempt counted")  # fmt: skip
    return table(("Ticket", "Via", "Entries", "Change"), rows) + "\n\n" + footer


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


class _Offline:
    """Stands for Zendesk in a dry run without credentials: a dry run sends nothing."""

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise WorkerError(f"a dry run does not talk to Zendesk (it asked for {name})")
