"""``zdsync demo`` (``make demo``): the product on embedded defaults, no credentials.

Starts the bundled emulator with the demo scenario (fixtures/scenarios/demo.yaml) on a free
port, mirrors it into a fresh SQLite file under .demo/ with the demo configuration
(fixtures/demo/zdsync.yaml), then runs the whole worker once and shows each step: the
pull, seed 000's List Mode, the decisions the partner agreement requires, the updates pushed
back to Zendesk (the emulator), the new follow-up tickets with their customer, a handed-back
ticket's View Mode and the status.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from adapters.store import SqlStore
from adapters.zendesk import ZendeskClient
from emulator import Emulator, Scenario
from sync.cli.commands import print_list, print_view, pull_with_progress
from sync.cli.decide_commands import names_for, render_decisions
from sync.cli.listing import list_rows, render_list, system_labels
from sync.cli.push_commands import render_push
from sync.cli.status_command import render_status, status_document_for
from sync.cli.usage import UsageError
from sync.cli.wiring import store_for
from sync.clock import SystemClock
from sync.config import Settings, load_settings
from sync.decide.step import decide
from sync.fields import resolve_fields
from sync.push.step import push
from sync.records import TicketQuery

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "fixtures" / "scenarios" / "demo.yaml"
DEMO_CONFIG = ROOT / "fixtures" / "demo" / "zdsync.yaml"
DESCRIPTION = (
    "What `make demo` runs, without credentials or configuration: starts the bundled Zendesk "
    "emulator with the demo scenario on a free port, mirrors it into a fresh SQLite database "
    "under --dir, runs the whole worker once (pull, decide, push) and shows each step, the "
    "new follow-up tickets, a handed-back ticket and the status."
)
#: The ticket shown in View Mode: ISPnext handed it to a partner three hours ago.
SHOWCASE_TICKET = 1001


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run against the bundled emulator and show the result",
        description=DESCRIPTION,
    )
    p.add_argument(
        "--dir", default=".demo", metavar="DIR",
        help="where the demo database goes (default %(default)s; replaced on each run)",
    )  # fmt: skip
    p.add_argument(
        "--fixtures", type=Path, metavar="DIR",
        help="the folder holding scenarios/demo.yaml and demo/zdsync.yaml (default: the "
        "source tree's fixtures/, else ./fixtures; in the Docker image /app/fixtures)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_demo)


def demo_files(fixtures: Path | None) -> tuple[Path, Path]:
    """The demo's scenario and configuration: under ``--fixtures``, else the source tree's
    (an installed wheel has no fixtures: the image keeps them in /app/fixtures)."""
    folders = [fixtures] if fixtures else [ROOT / "fixtures", Path.cwd() / "fixtures"]
    for folder in folders:
        scenario, config = folder / "scenarios" / "demo.yaml", folder / "demo" / "zdsync.yaml"
        if scenario.is_file() and config.is_file():
            return scenario, config
    tried = ", ".join(str(f) for f in folders)
    raise UsageError(
        f"the demo's files (scenarios/demo.yaml, demo/zdsync.yaml) are not in {tried}: "
        "pass --fixtures DIR (in the Docker image: --fixtures /app/fixtures)"
    )


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.verbose:
        # Each step prints its own summary; the INFO log would say everything twice.
        logging.getLogger().setLevel(logging.WARNING)
    scenario_path, config_path = demo_files(args.fixtures)
    scenario = Scenario.load(scenario_path)
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
        settings = load_settings(env, config_path=config_path)
        _banner(f"Zendesk emulator at {emulator.base_url}, scenario {scenario_path.name}")
        _run(settings, show_progress=not args.quiet)
    _banner("Try it yourself")
    print(
        f"  ZDSYNC_DATABASE_URL=sqlite:///{database} zdsync --config {_rel(config_path)} tickets\n"
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
        # The demo's log shows warnings only, so it prints each step's summary itself.
        _banner("1. sync: mirror the partner groups' tickets and their audits")
        pulled = pull_with_progress(
            client, store, settings, clock, refresh=True, show=show_progress
        )
        print(f"sync: {pulled.summary()}")
        _banner("2. tickets: List Mode (seed 000), latest update first")
        print_list(store, settings, TicketQuery(), as_json=False)
        names = names_for(store, settings)
        _banner("3. decide: what the partner agreement requires, queued in the outbox")
        decided = decide(store, settings, clock)
        print(render_decisions(decided, names) + f"\ndecide: {decided.summary()}")
        _banner("4. push: one merged, conflict-safe update per ticket, each explained")
        pushed = push(store, client, settings, clock)
        print(render_push(pushed, names) + f"\npush: {pushed.summary()}")
        _banner("5. the new Maintenance / Change Request tickets: the customer's, for ISPnext")
        _print_follow_ups(store, settings)
        ticket = store.get_ticket(SHOWCASE_TICKET)
        if ticket is not None:
            _banner(f"6. ticket {SHOWCASE_TICKET} now: handed back, with the worker's note")
            print_view(store, settings, ticket, as_json=False)
        _banner("7. status: the outbox and the mirror")
        print(render_status(status_document_for(store, clock.now())))
    finally:
        client.close()


def _print_follow_ups(store: SqlStore, settings: Settings) -> None:
    """The follow-up tickets push created, in List Mode (mirrored from Zendesk's answers)."""
    created = {e.created_ticket_id: e.ticket_id for e in store.outbox() if e.created_ticket_id}
    directory = store.load_directory()
    labels = system_labels(
        directory, resolve_fields(directory.ticket_fields, settings.system_field).system
    )
    summaries = [s for s in store.list_tickets(TicketQuery()) if s.id in created]
    if not summaries:
        print("No follow-up ticket was created.")
        return
    print(render_list(list_rows(summaries, labels)))
    links = ", ".join(f"#{new} for #{original}" for new, original in sorted(created.items()))
    print(f"\n{len(summaries)} follow-up ticket(s): {links}")


def _demo_credentials(scenario: Any) -> tuple[str, str]:
    emails = {user.id: user.email for user in scenario.users}
    for credential in scenario.credentials:
        if credential.token:
            return credential.email or emails[credential.user], credential.token
    raise RuntimeError("the demo scenario declares no API token")


def _banner(title: str) -> None:
    print(f"\n=== {title}\n", flush=True)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
