"""The everyday commands: sync, tickets, ticket, check, db, emulator."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from adapters.store import schema_status, upgrade
from emulator import cli as emulator_cli
from sync.checks import Check, check_database, check_zendesk
from sync.cli.clocks import clock_for
from sync.cli.daemon import cmd_run
from sync.cli.documents import check_document, pull_document, schema_document
from sync.cli.listing import (
    comments_of,
    list_rows,
    render_list,
    render_view,
    system_labels,
    table,
    view_document,
)
from sync.cli.progress import ProgressBar
from sync.cli.usage import UsageError, non_negative_int, port_number
from sync.cli.wiring import exclusive, settings_from, store_for, zendesk_for
from sync.config import Settings, database_url
from sync.errors import StoreError, StoreUnreachable, StoreUnusable
from sync.fields import resolve_fields
from sync.ports import Clock, MirrorStore, ZendeskReader
from sync.pull.step import PullReport, pull
from sync.records import TicketQuery, TicketRecord
from sync.stopping import Stopping, exit_code, run_stoppable

log = logging.getLogger("zdsync")


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="pull: mirror the partner groups' tickets and audits")
    p.add_argument(
        "--refresh-directory",
        action="store_true",
        help="re-read users, groups and fields now (otherwise hourly)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print what the pull did as JSON")
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("run", help="daemon: a cycle every sync.interval_seconds until SIGTERM")
    p.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="serve Prometheus metrics on PORT at /metrics (and /healthz); off by default",
    )
    p.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for the metrics (%(default)s)"
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("tickets", help="List Mode: the mirrored tickets, latest update first")
    p.add_argument(
        "--group", action="append", default=[], help="partner group name or id (repeatable)"
    )
    p.add_argument(
        "--state",
        choices=("open", "closed", "all"),
        default="all",
        help="open: still underway; closed: solved, closed or deleted; all (default)",
    )
    p.add_argument(
        "--limit",
        type=non_negative_int,
        default=100,
        metavar="N",
        help="show at most N tickets (default 100; 0: all)",
    )
    p.add_argument(
        "--json", action="store_true",
        help='JSON instead of a table: {"tickets": [...], "truncated": bool, "limit": N}',
    )  # fmt: skip
    p.set_defaults(handler=cmd_tickets)

    p = sub.add_parser("ticket", help="View Mode: one ticket with all its comments")
    p.add_argument("id", type=int, help="ticket id")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(handler=cmd_ticket)

    p = sub.add_parser("check", help="check database, credentials, groups and fields")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser(
        "db",
        help="database schema: upgrade or status",
        description="The database schema (Alembic migrations). Needs only the database URL "
        "(ZDSYNC_DATABASE_URL): no config file, no Zendesk credentials.",
    )
    p.add_argument(
        "action",
        choices=("upgrade", "status"),
        help="upgrade: migrate the schema to this version's; status: where it stands",
    )
    p.add_argument("--json", action="store_true", help="the schema's state as JSON")
    p.set_defaults(handler=cmd_db)

    p = sub.add_parser(
        "emulator",
        help="serve the bundled Zendesk emulator",
        description="A stateful fake Zendesk over HTTP for development (docs/emulator.md).",
    )
    emulator_cli.add_arguments(p)
    p.set_defaults(handler=emulator_cli.run)


def cmd_sync(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    clock = clock_for(args)
    store = store_for(settings, clock)
    stopping = Stopping()
    client = zendesk_for(settings, stopping=stopping)
    try:
        with exclusive(store, "sync"):
            report = run_stoppable(
                lambda: pull_with_progress(
                    client, store, settings, clock, refresh=args.refresh_directory,
                    show=not args.no_progress and not args.quiet, stop=stopping,
                ),
                stopping,
            )  # fmt: skip
    finally:
        client.close()
    if args.json:  # in text, the pull's summary and each error are its log lines
        print(json.dumps(pull_document(report), indent=2))
    return exit_code(stopping, failed=bool(report.errors or report.stopped))


def pull_with_progress(
    reader: ZendeskReader,
    store: MirrorStore,
    settings: Settings,
    clock: Clock,
    *,
    refresh: bool,
    show: bool,
    stop: Stopping | None = None,
) -> PullReport:
    if not show:
        return pull(reader, store, settings, clock, refresh_directory=refresh, stop=stop)
    with ProgressBar(sys.stderr, tty=sys.stderr.isatty()) as bar:
        return pull(
            reader, store, settings, clock, refresh_directory=refresh, observer=bar, stop=stop
        )


def cmd_tickets(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    query = TicketQuery(
        group_ids=_group_ids(settings, args.group),
        state=None if args.state == "all" else args.state,
        # One more than shown, to tell whether the list was cut.
        limit=args.limit + 1 if args.limit else None,
    )
    print_list(store, settings, query, as_json=args.json, shown=args.limit or None)
    return 0


def print_list(
    store: MirrorStore,
    settings: Settings,
    query: TicketQuery,
    *,
    as_json: bool,
    shown: int | None = None,
) -> None:
    directory = store.load_directory()
    fields = resolve_fields(directory.ticket_fields, settings.system_field)
    rows = list_rows(store.list_tickets(query), system_labels(directory, fields.system))
    more = shown is not None and len(rows) > shown
    rows = rows[:shown] if shown is not None else rows
    if as_json:
        print(json.dumps({"tickets": rows, "truncated": more, "limit": shown}, indent=2))
    elif rows:
        print(render_list(rows))
        cut = f" (the latest {shown}; --limit N or --limit 0 for more)" if more else ""
        print(f"\n{len(rows)} ticket(s){cut}")
    else:
        print("No tickets in the local mirror match. Run `zdsync sync` first?")


def _group_ids(settings: Settings, wanted: list[str]) -> tuple[int, ...]:
    by_name = {g.name.casefold(): g.id for g in settings.partner_groups}
    ids = []
    for item in wanted:
        if item.isdigit():
            ids.append(int(item))
        elif item.casefold() in by_name:
            ids.append(by_name[item.casefold()])
        else:
            names = ", ".join(g.name for g in settings.partner_groups)
            raise UsageError(f"--group {item!r} is not a partner group ({names})")
    return tuple(ids)


def cmd_ticket(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    ticket = store.get_ticket(args.id)
    if ticket is None:
        print(
            f"zdsync: ticket {args.id} is not in the local mirror (only tickets of the "
            "partner groups are mirrored; run `zdsync sync` to refresh)",
            file=sys.stderr,
        )
        return 1
    print_view(store, settings, ticket, as_json=args.json)
    return 0


def print_view(
    store: MirrorStore, settings: Settings, ticket: TicketRecord, *, as_json: bool
) -> None:
    doc = _view(store, settings, ticket)
    print(json.dumps(doc, indent=2) if as_json else render_view(doc))


def _view(store: MirrorStore, settings: Settings, ticket: TicketRecord) -> dict[str, Any]:
    audits = store.get_audits(ticket.id)
    directory = store.load_directory()
    users = store.get_users()
    groups = {g.id: g.name for g in directory.groups}
    orgs = {o.id: o.name for o in directory.organizations}
    fields = resolve_fields(directory.ticket_fields, settings.system_field)
    labels = system_labels(directory, fields.system)

    def user(uid: int | None) -> str | None:
        return None if uid is None else (users[uid].name if uid in users else f"user {uid}")

    names = {
        "entity": orgs.get(ticket.organization_id or 0),
        "system": labels.get(ticket.system or "", ticket.system),
        "group": groups.get(ticket.group_id or 0),
        "assignee": user(ticket.assignee_id),
        "requester": user(ticket.requester_id),
    }
    return view_document(ticket, comments_of(audits, users), names=names)


def cmd_check(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    unusable: list[StoreError] = []
    checks = [check_database(lambda: _describe_database(settings, unusable))]
    client = zendesk_for(settings)
    try:
        checks += check_zendesk(client, settings)
    finally:
        client.close()
    document = check_document(checks)
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(_check_table(checks))
        print(f"\n{document['passed']} of {len(checks)} check(s) passed")
    if unusable:  # ZDSYNC_DATABASE_URL is wrong, or its server down: a configuration problem
        return 2
    return 0 if document["ok"] else 1


def _describe_database(settings: Settings, unusable: list[StoreError]) -> str:
    """The schema's state; a database that cannot be opened is noted in ``unusable``."""
    try:
        store_for(settings).close()  # raises StoreError when unusable, unreachable or behind
    except (StoreUnusable, StoreUnreachable) as exc:
        unusable.append(exc)
        raise
    return schema_status(settings.database_url).describe()


def _check_table(checks: list[Check]) -> str:
    return table(("Check", "Result", "Detail"), [[c.name, c.level, c.detail] for c in checks])


def cmd_db(args: argparse.Namespace) -> int:
    # Only the database URL: a migration job (docker-compose's `migrate`) has no config file.
    url = database_url(os.environ)
    if args.action == "upgrade":
        status = upgrade(url)
        said = f"database upgraded: {status.describe()}"
    else:
        status = schema_status(url)
        said = status.describe()
    print(json.dumps(schema_document(status), indent=2) if args.json else said)
    return 0
