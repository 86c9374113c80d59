"""``zdsync record CASSETTE`` and ``zdsync replay CASSETTE --at TIME``: a pull kept as a
vcrpy cassette, and the rules run on it offline at any instant (README "Replaying recorded
fixtures").

- ``record`` pulls from the configured Zendesk (or an emulator) into a throw-away database,
  so the recording starts from nothing, as every replay does, and never touches the
  worker's mirror. Every exchange is scrubbed before it is written (adapters/cassette/
  scrub.py): the host becomes a placeholder, tokens and the Authorization header go,
  personal data becomes stable pseudonyms keyed by ``ZDSYNC_PSEUDONYM_KEY`` (random when
  unset), free text too with ``--scrub-bodies``.
- ``replay`` needs no credentials and no ``ZENDESK_URL``: it pulls from the cassette (no
  network; a request it does not hold stops the replay, naming the request) into a
  throw-away database (or ``ZDSYNC_DATABASE_URL``), then decides as ``decide --dry-run``
  does with the clock at ``--at``, or explains one ticket (``--explain``). Its output is
  the same as theirs; what the pull did goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.cassette.scrub import PLACEHOLDER_URL, ScrubPolicy
from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from sync.cli.clocks import clock_for, parse_instant
from sync.cli.decide_commands import (
    decide_document,
    explain_document,
    names_for,
    render_decisions,
    render_explanation,
)
from sync.cli.push_commands import render_push
from sync.cli.usage import UsageError
from sync.cli.wiring import settings_from
from sync.clock import FixedClock
from sync.config import Secret, Settings, ZendeskSettings
from sync.cycle import run_cycle
from sync.decide.step import decide, explain
from sync.errors import ConfigError, ConfigProblem, NotInCassette
from sync.ports import Clock
from sync.pull.step import CURSOR_KEY, FIRST_PULL_KEY, PullReport, pull

KEY_VARIABLE = "ZDSYNC_PSEUDONYM_KEY"
#: Stands for the worker's credentials in a replay; nothing checks them.
_REPLAY_USER = ZendeskSettings(
    url=PLACEHOLDER_URL, email="replay@example.invalid", token=Secret("replay"), oauth_token=None
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "record",
        help="pull into a throw-away database and keep every exchange in a cassette",
        description="Record a whole pull from the configured Zendesk into CASSETTE "
        "(vcrpy YAML), scrubbed: placeholder host, no token, pseudonymous people. "
        f"{KEY_VARIABLE} keys the pseudonyms (random when unset).",
    )
    p.add_argument("cassette", type=Path, metavar="CASSETTE", help="the file to write")
    p.add_argument(
        "--scrub-bodies",
        action="store_true",
        help="also replace free text (comments, subjects, descriptions) by pseudonyms",
    )
    p.add_argument(
        "--cycle",
        action="store_true",
        help="a dry-run cycle instead of a pull alone: also show what would be decided "
        "and sent (nothing is; the cassette holds the same exchanges)",
    )
    p.set_defaults(handler=cmd_record)

    p = sub.add_parser(
        "replay",
        help="pull from a cassette, offline, and decide (or explain) at a chosen time",
        description="Pull from CASSETTE with no network into a throw-away database (or "
        "ZDSYNC_DATABASE_URL), then show the decisions at TIME as `decide --dry-run` "
        "does. Needs no Zendesk credentials.",
    )
    p.add_argument("cassette", type=Path, metavar="CASSETTE", help="a recorded cassette")
    p.add_argument(
        "--at",
        type=parse_instant,
        metavar="TIME",
        help="decide as of this ISO-8601 time (UTC unless it says otherwise); the "
        "global --now does the same",
    )
    p.add_argument("--explain", type=int, metavar="TICKET", help="explain this ticket instead")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(handler=cmd_replay)


def cmd_record(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    zendesk = settings.require_zendesk()
    policy = ScrubPolicy(
        account_url=zendesk.url,
        key=_pseudonym_key(),
        secrets=tuple(s.reveal() for s in (zendesk.token, zendesk.oauth_token) if s),
        scrub_bodies=args.scrub_bodies,
    )
    from adapters.cassette.tape import recording  # noqa: PLC0415 - see adapters/cassette

    clock = clock_for(args)
    client = ZendeskClient(zendesk, settings.sync)
    try:
        with (
            _scratch_store(settings, clock) as (store, local),
            recording(args.cassette, client.session, policy) as tape,
        ):
            _live_all_along(store, local)
            if args.cycle:
                report = _dry_run_cycle(client, store, local, clock)
            else:
                report = pull(client, store, local, clock, refresh_directory=True)
    finally:
        client.close()
    _print_pull(report, "record")
    bodies = ", free text" if args.scrub_bodies else ""
    print(
        f"record: {tape.exchanges} exchange(s) written to {args.cassette}; scrubbed: the host "
        f"(now {PLACEHOLDER_URL}), tokens and headers, emails, names, phones{bodies}"
    )
    return 1 if report.errors else 0


def _dry_run_cycle(
    client: ZendeskClient, store: SqlStore, settings: Settings, clock: Clock
) -> PullReport:
    """``zdsync once --dry-run`` on the throw-away mirror: its decisions and planned
    changes printed; the pull's report returned."""
    cycle = run_cycle(client, store, settings, clock, dry_run=True)
    names = names_for(store, settings)
    print(render_decisions(cycle.decide, names))
    print(render_push(cycle.push, names))
    return cycle.pull


def cmd_replay(args: argparse.Namespace) -> int:
    from adapters.cassette.tape import replaying  # noqa: PLC0415 - see adapters/cassette

    if not args.cassette.is_file():
        raise ConfigError([ConfigProblem("CASSETTE", f"no cassette at {args.cassette}")])
    # need_zendesk=False: ZENDESK_* are not even read, a replay cannot reach an account.
    at = args.at or args.now
    if at is None:
        raise UsageError("replay needs the instant to decide at: --at TIME")
    settings = settings_from(args, need_zendesk=False)
    clock = FixedClock(at)
    client = ZendeskClient(_REPLAY_USER, settings.sync, sleep=_no_wait)
    try:
        with _scratch_store(settings, clock, configured=True) as (store, local):
            with replaying(args.cassette, client.session) as tape:
                _live_all_along(store, local)
                report = pull(client, store, local, clock, refresh_directory=True)
            _print_pull(report, "replay")
            _show(args, store, local, clock)
    finally:
        client.close()
    if tape.unplayed:
        raise NotInCassette(
            f"{tape.unplayed} of {tape.exchanges} recorded exchange(s) in {args.cassette} "
            "were never asked for: the adapter's requests changed shape, or the "
            "configuration differs from the recording's"
        )
    return 1 if report.errors else 0


def _show(args: argparse.Namespace, store: SqlStore, settings: Settings, clock: Clock) -> None:
    names = names_for(store, settings)
    if args.explain is not None:
        document = explain_document(explain(store, settings, clock, args.explain))
        print(json.dumps(document, indent=2) if args.json else render_explanation(document, names))
        return
    report = decide(store, settings, clock, dry_run=True)
    print(
        json.dumps(decide_document(report), indent=2)
        if args.json
        else render_decisions(report, names)
    )


@contextmanager
def _scratch_store(
    settings: Settings, clock: Clock, *, configured: bool = False
) -> Iterator[tuple[SqlStore, Settings]]:
    """A SQLite file that is gone afterwards (or, when ``configured``, the database of
    ``ZDSYNC_DATABASE_URL`` if set); with the settings that point at it."""
    given = os.environ.get("ZDSYNC_DATABASE_URL") if configured else None
    with tempfile.TemporaryDirectory(prefix="zdsync-") as scratch:
        url = given or f"sqlite:///{Path(scratch) / 'mirror.db'}"
        local = dataclasses.replace(settings, database_url=url)
        store = open_store(url, clock=clock)
        try:
            yield store, local
        finally:
            store.close()


def _live_all_along(store: SqlStore, settings: Settings) -> None:
    """A mirror pulled from nothing would go live (``rules.act_on_changes_since:
    first-run``) at the replay's own instant and leave everything recorded alone; the
    question a replay answers is what a worker live all along would do, so a fresh mirror
    goes live where the recording's export began. An ISO time in the configuration still
    wins (set it to production's go-live to reproduce exactly that)."""
    if store.read_state(FIRST_PULL_KEY) is None and store.read_state(CURSOR_KEY) is None:
        store.write_state(FIRST_PULL_KEY, settings.sync.backfill_since.isoformat())


def _print_pull(report: PullReport, verb: str) -> None:
    print(f"{verb}: pull: {report.summary()}", file=sys.stderr)
    for error in report.errors:
        print(f"  error: {error}", file=sys.stderr)


def _pseudonym_key() -> bytes:
    given = os.environ.get(KEY_VARIABLE)
    return given.encode() if given else secrets.token_bytes(32)


def _no_wait(seconds: float) -> None:
    """A replay has no server to pace or wait for: retries and the export budget are free."""
