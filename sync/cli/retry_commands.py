"""``zdsync retry [--all | KEY...]``: queue failed outbox entries again.

An entry fails when Zendesk refused its change ``MAX_ATTEMPTS`` times (a 4xx about the
ticket; outages never count). Once the cause is fixed (a group renamed, an agent
re-activated), the operator queues it again: pending, with a fresh count of attempts, sent
by the next push. Keys are those ``zdsync status`` and ``zdsync explain TICKET`` show. A
key that is unknown or names an entry that is not failed is a usage error (exit 2) and
nothing is queued, so a typo never half-does the job.
"""

from __future__ import annotations

import argparse
from typing import Any

from sync.cli.usage import UsageError
from sync.cli.wiring import settings_from, store_for
from sync.records import OutboxEntry


def register(sub: Any) -> None:
    p = sub.add_parser(
        "retry",
        help="queue failed outbox entries again (--all, or by key)",
        description="Queue failed outbox entries again: pending, their attempts counted from "
        "zero, sent by the next push or cycle. Keys as `zdsync status` shows them.",
    )
    p.add_argument("keys", nargs="*", metavar="KEY", help="an outbox entry's key")
    p.add_argument("--all", action="store_true", help="every failed entry")
    p.set_defaults(handler=cmd_retry)


def cmd_retry(args: argparse.Namespace) -> int:
    if args.all == bool(args.keys):
        raise UsageError("retry: name the entries (KEY...) or give --all, not both")
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    try:
        if args.keys:
            _check_failed(store.outbox(keys=args.keys), args.keys)
        queued = store.requeue_failed(None if args.all else args.keys)
    finally:
        store.close()
    if not queued:
        print("retry: no failed entries; nothing queued")
        return 0
    for key in queued:
        print(f"  {key}")
    print(f"retry: {len(queued)} failed entr{'y' if len(queued) == 1 else 'ies'} queued again; "
          "the next push sends them")  # fmt: skip
    return 0


def _check_failed(found: list[OutboxEntry], keys: list[str]) -> None:
    states = {entry.key: entry.state for entry in found}
    problems = [
        f"{key}: no outbox entry has this key" if key not in states else
        f"{key}: is {states[key]}, not failed"
        for key in dict.fromkeys(keys)
        if states.get(key) != "failed"
    ]  # fmt: skip
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise UsageError(f"retry: nothing queued ({len(problems)} problem(s)):\n{listed}")
