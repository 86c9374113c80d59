"""``zdsync status``: how the worker stands, from the local database alone.

The outbox by state, the oldest pending decision and the latest errors; where the export
stands and how far behind now it is (the cursor lag); how the last cycle ended and the
last error a pull met; how many tickets wait for their audits; the tickets Zendesk sent
that could not be read (not mirrored, read again every cycle), with the reason and since
when; a push an outage stopped (why, and how many entries wait, no attempt counted).
``--json`` gives the same as one object (docs/cli.md).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from sync.cli.clocks import clock_for
from sync.cli.listing import table, when
from sync.cli.wiring import settings_from, store_for
from sync.cycle import LAST_CYCLE_KEY
from sync.pull.directory import DIRECTORY_REFRESHED_KEY, failing_listings
from sync.pull.step import CAUGHT_UP_KEY, CURSOR_KEY, LAST_ERROR_KEY
from sync.push.step import PushingStore, read_stop


def register(sub: Any) -> None:
    p = sub.add_parser(
        "status",
        help="the outbox, the export's lag, the last cycle and what is waiting",
        description="How the worker stands, read from the local database (no Zendesk "
        "credentials needed).",
    )
    p.add_argument("--json", action="store_true", help="JSON instead of text (docs/cli.md)")
    p.set_defaults(handler=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    try:
        document = status_document_for(store, clock_for(args).now())
    finally:
        store.close()
    print(json.dumps(document, indent=2) if args.json else render_status(document))
    return 0


def status_document_for(store: PushingStore, now: datetime) -> dict[str, Any]:
    summary = store.outbox_summary()
    cursor = store.read_state(CURSOR_KEY)
    caught_up = store.read_state(CAUGHT_UP_KEY)
    lag = now - datetime.fromisoformat(caught_up) if caught_up else None
    return {
        "now": now.isoformat(),
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
        "export_caught_up_to": caught_up,
        "cursor_lag_seconds": round(lag.total_seconds(), 1) if lag is not None else None,
        "last_cycle": _json_state(store, LAST_CYCLE_KEY),
        "last_pull_error": _json_state(store, LAST_ERROR_KEY),
        "directory_refreshed_at": store.read_state(DIRECTORY_REFRESHED_KEY),
        "directory_failing": failing_listings(store),
        "tickets_waiting_for_audits": len(store.tickets_needing_audits()),
        "unreadable_tickets": [
            {
                "ticket_id": u.ticket_id,
                "reason": u.reason,
                "since": u.since.isoformat() if u.since else None,
                "last_seen": u.last_seen.isoformat() if u.last_seen else None,
                "tries": u.tries,
            }
            for u in store.unreadable_tickets()
        ],
        #: The last push an outage stopped: {at, reason, left}; None once one ran through.
        "push_stopped": read_stop(store),
    }


def render_status(document: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {state}" for state, n in document["outbox"].items())
    lines = [
        f"Outbox:  {counts}",
        f"         oldest pending decision: {when(document['oldest_pending']) or 'none'}",
        f"Export:  cursor {document['export_cursor'] or '(none: no pull yet)'}",
    ]
    if document["export_position"]:
        lines.append(f"         at the changes of {document['export_position']}")
    if document["export_caught_up_to"]:
        lag = _duration(document["cursor_lag_seconds"])
        lines.append(f"         caught up to {when(document['export_caught_up_to'])}, {lag} ago")
    refreshed = document["directory_refreshed_at"]
    lines.append(f"         directory refreshed {when(refreshed) or 'never'}")
    for failing in document["directory_failing"]:
        kept = f"the copy read {when(failing['read_at'])}" if failing["read_at"] else "none"
        lines.append(
            f"         the {failing['listing']} listing ({failing['endpoint']}) FAILED "
            f"{when(failing['failed_at'])}, in use: {kept}: {failing['error']}"
        )
    lines.append(f"Audits:  {document['tickets_waiting_for_audits']} ticket(s) waiting")
    lines += _render_unreadable(document["unreadable_tickets"])
    lines += _render_last_cycle(document["last_cycle"], document["last_pull_error"])
    stop = document.get("push_stopped")
    if stop:
        lines += [
            f"Push:    STOPPED {when(str(stop['at']))}: {stop['reason']}",
            f"         {stop['left']} entr(y/ies) left unsent, no attempt counted; the next "
            "push tries again",
        ]
    errors = document["last_errors"]
    if errors:
        rows = [
            [e["key"], e["state"], str(e["attempts"]), when(e["updated_at"]), e["error"] or ""]
            for e in errors
        ]
        lines += ["", "Last errors:", table(("Key", "State", "Attempts", "Updated", "Error"), rows)]
    return "\n".join(lines)


def _render_unreadable(unreadable: list[dict[str, Any]]) -> list[str]:
    if not unreadable:
        return ["Unreadable: none"]
    lines = [
        f"Unreadable: {len(unreadable)} ticket(s) Zendesk sent cannot be read: not mirrored, "
        "no rules run on them; read again every cycle"
    ]
    for entry in unreadable:
        lines.append(
            f"         ticket {entry['ticket_id']}: {entry['reason']} (since "
            f"{when(entry['since'])}, read again {entry['tries']} time(s))"
        )
    return lines


def _render_last_cycle(
    cycle: dict[str, Any] | None, pull_error: dict[str, Any] | None
) -> list[str]:
    if cycle is None:
        lines = ["Cycle:   none yet (`zdsync once` or `zdsync run`)"]
    else:
        error = f": {cycle['error']}" if cycle.get("error") else ""
        lines = [
            f"Cycle:   last ended {when(cycle['ended_at'])}, {cycle['result']} "
            f"({cycle['seconds']:.1f}s){error}"
        ]
    if pull_error is not None:
        lines.append(f"         last pull error {when(pull_error['at'])}: {pull_error['error']}")
    return lines


def _json_state(store: PushingStore, key: str) -> dict[str, Any] | None:
    text = store.read_state(key)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None  # written by another version: status shows nothing rather than fail
    return value if isinstance(value, dict) else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:  # a mirror months behind reads "638 d 10 h", not "15322h 32m"
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


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
