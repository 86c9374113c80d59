"""The everyday commands: sync, tickets, ticket, check, db, emulator."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from functools import partial
from typing import Any

from adapters.emulator import cli as emulator_cli
from adapters.metrics import MetricsServer
from adapters.store import schema_status, upgrade
from sync.checks import FAIL, Check, check_database, check_zendesk
from sync.cli.wiring import settings_from, store_for, zendesk_for
from sync.clock import SystemClock
from sync.config import Settings
from sync.fields import resolve_fields
from sync.listing import (
    comments_of,
    list_rows,
    render_list,
    render_view,
    system_labels,
    table,
    view_document,
)
from sync.metrics import CycleMetrics, measured_cycle
from sync.ports import MirrorStore, ZendeskReader
from sync.progress import ProgressBar
from sync.pull import PullReport, pull
from sync.records import TicketQuery, TicketRecord
from sync.scheduler import Daemon


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="pull: mirror the partner groups' tickets and audits")
    p.add_argument(
        "--refresh-directory",
        action="store_true",
        help="re-read users, groups and fields now (otherwise hourly)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("run", help="daemon: a cycle every sync.interval_seconds until SIGTERM")
    p.add_argument(
        "--metrics-port",
        type=int,
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
    p.add_argument("--state", choices=("open", "closed", "all"), default="all")
    p.add_argument(
        "--limit", type=int, default=100, help="show at most N tickets (default 100; 0: all)"
    )
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(handler=cmd_tickets)

    p = sub.add_parser("ticket", help="View Mode: one ticket with all its comments")
    p.add_argument("id", type=int, help="ticket id")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(handler=cmd_ticket)

    p = sub.add_parser("check", help="check database, credentials, groups and fields")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("db", help="database schema: upgrade or status")
    p.add_argument("action", choices=("upgrade", "status"))
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
    store = store_for(settings)
    client = zendesk_for(settings)
    try:
        report = pull_with_progress(
            client, store, settings, refresh=args.refresh_directory,
            show=not args.no_progress and not args.quiet,
        )  # fmt: skip
    finally:
        client.close()
    return 1 if report.errors else 0


def pull_with_progress(
    reader: ZendeskReader, store: MirrorStore, settings: Settings, *, refresh: bool, show: bool
) -> PullReport:
    bar = ProgressBar(sys.stderr, tty=sys.stderr.isatty()) if show else None
    try:
        report = pull(
            reader, store, settings, SystemClock(), refresh_directory=refresh, observer=bar
        )
    finally:
        if bar is not None:
            bar.finish()
    print(f"sync: {report.summary()}")
    for error in report.errors:
        print(f"  error: {error}", file=sys.stderr)
    return report


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=True)
    store = store_for(settings)
    client = zendesk_for(settings)
    interval = timedelta(seconds=settings.sync.interval_seconds)
    metrics = CycleMetrics()
    job = partial(measured_cycle, client, store, settings, SystemClock(), metrics)
    server = None
    if args.metrics_port is not None:
        server = MetricsServer(metrics.render, host=args.metrics_host, port=args.metrics_port)
        server.start()
    try:
        return Daemon(job, interval).run()
    finally:
        if server is not None:
            server.stop()
        client.close()


def cmd_tickets(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    store = store_for(settings)
    if args.limit < 0:
        raise SystemExit("zdsync: --limit must be 0 (all) or more")
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
        print(json.dumps(rows, indent=2))
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
            raise SystemExit(f"zdsync: --group {item!r} is not a partner group ({names})")
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
    checks = [check_database(lambda: _describe_database(settings))]
    client = zendesk_for(settings)
    try:
        checks += check_zendesk(client, settings)
    finally:
        client.close()
    print(_check_table(checks))
    failed = sum(1 for c in checks if c.level == FAIL)
    print(f"\n{len(checks) - failed} of {len(checks)} check(s) passed")
    return 1 if failed else 0


def _describe_database(settings: Settings) -> str:
    store_for(settings)  # raises StoreError when unreachable or behind
    return schema_status(settings.database_url).describe()


def _check_table(checks: list[Check]) -> str:
    return table(("Check", "Result", "Detail"), [[c.name, c.level, c.detail] for c in checks])


def cmd_db(args: argparse.Namespace) -> int:
    settings = settings_from(args, need_zendesk=False)
    if args.action == "upgrade":
        status = upgrade(settings.database_url)
        print(f"database upgraded: {status.describe()}")
    else:
        print(schema_status(settings.database_url).describe())
    return 0
