"""``zdsync demo`` (``make demo``): the product on embedded defaults, no credentials.

Starts the bundled emulator with the demo scenario (fixtures/scenarios/demo.yaml) on a free
port, mirrors it into a fresh SQLite file under .demo/ with the demo configuration
(fixtures/demo/zdsync.yaml), then runs the whole worker once and shows each step: the
pull, seed 000's List Mode, the decisions the partner agreement requires, the updates pushed
back to Zendesk (the emulator), a handed-back ticket's View Mode and the status.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from adapters.emulator import Emulator, Scenario
from adapters.zendesk import ZendeskClient
from sync.cli.commands import print_list, print_view, pull_with_progress
from sync.cli.decide_commands import names_for, render_decisions
from sync.cli.push_commands import render_push, render_status, status_document_for
from sync.cli.wiring import store_for
from sync.clock import SystemClock
from sync.config import Settings, load_settings
from sync.decide import decide
from sync.push import push
from sync.records import TicketQuery

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "fixtures" / "scenarios" / "demo.yaml"
DEMO_CONFIG = ROOT / "fixtures" / "demo" / "zdsync.yaml"
#: The ticket shown in View Mode: ISPnext handed it to a partner three hours ago.
SHOWCASE_TICKET = 1001


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run against the bundled emulator and show the result",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--dir", default=".demo", help="where the demo database goes (%(default)s)")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.verbose:
        # Each step prints its own summary; the INFO log would say everything twice.
        logging.getLogger().setLevel(logging.WARNING)
    scenario = Scenario.load(DEMO_SCENARIO)
    email, token = _demo_credentials(scenario)
    database = Path(args.dir) / "zdsync.db"
    for stale in (
        database,
        database.with_name("zdsync.db-wal"),
        database.with_name("zdsync.db-shm"),
    ):
        stale.unlink(missing_ok=True)
    with Emulator(scenario) as emulator:
        env = {
            "ZENDESK_URL": emulator.base_url,
            "ZENDESK_EMAIL": email,
            "ZENDESK_TOKEN": token,
            "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
        }
        settings = load_settings(env, config_path=DEMO_CONFIG)
        _banner(f"Zendesk emulator at {emulator.base_url}, scenario {DEMO_SCENARIO.name}")
        _run(settings, show_progress=not args.quiet)
    _banner("Try it yourself")
    print(
        f"  ZDSYNC_DATABASE_URL=sqlite:///{database} zdsync --config {_rel(DEMO_CONFIG)} tickets\n"
        f"  zdsync emulator            # serve the demo world on :8080 "
        f"({email} / {token})\n"
        "  README.md explains the configuration and every command."
    )
    return 0


def _run(settings: Settings, *, show_progress: bool) -> None:
    store = store_for(settings)
    client = ZendeskClient(settings.require_zendesk(), settings.sync)
    clock = SystemClock()
    try:
        _banner("1. sync: mirror the partner groups' tickets and their audits")
        pull_with_progress(client, store, settings, refresh=True, show=show_progress)
        _banner("2. tickets: List Mode (seed 000), latest update first")
        print_list(store, settings, TicketQuery(), as_json=False)
        names = names_for(store, settings)
        _banner("3. decide: what the partner agreement requires, queued in the outbox")
        print(render_decisions(decide(store, settings, clock), names))
        _banner("4. push: one merged, conflict-safe update per ticket, each explained")
        print(render_push(push(store, client, settings, clock), names))
        ticket = store.get_ticket(SHOWCASE_TICKET)
        if ticket is not None:
            _banner(f"5. ticket {SHOWCASE_TICKET} now: handed back, with the worker's note")
            print_view(store, settings, ticket, as_json=False)
        _banner("6. status: the outbox and the mirror")
        print(render_status(status_document_for(store)))
    finally:
        client.close()


def _demo_credentials(scenario: Any) -> tuple[str, str]:
    emails = {user.id: user.email for user in scenario.users}
    for credential in scenario.credentials:
        if credential.token:
            return credential.email or emails[credential.user], credential.token
    raise RuntimeError(f"{DEMO_SCENARIO} declares no API token")


def _banner(title: str) -> None:
    print(f"\n=== {title}\n", flush=True)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
