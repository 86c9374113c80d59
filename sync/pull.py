"""Pull: Zendesk -> local model. Step one of the cycle (pull -> decide -> push).

1. refresh the directory (users, groups, memberships, organizations, fields, statuses) when
   it is older than ``DIRECTORY_MAX_AGE`` or asked to, and resolve the custom fields we read
   (the "System" column, the two Time Tracking fields) to their ids;
2. read the incremental export from the stored cursor, keep the tickets of the partner
   groups and those that left them (they must stop being acted on), and store each page
   with its ``after_cursor`` in one transaction: a crash between pages loses nothing and
   repeats nothing;
3. fetch the audits of every kept ticket that changed (flagged in step 2, so a crash before
   step 3 finishes leaves the flags for the next run).

A bad record is logged with its id and skipped by the adapter; a failing step is logged and
the cycle goes on with what it has (the next run retries).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol, TypeVar

from sync.config import Settings
from sync.errors import TicketNotFound, ZendeskError, ZendeskRejected, ZendeskUnavailable
from sync.fields import FieldIds, resolve_fields
from sync.ports import Clock, MirrorStore, ZendeskReader
from sync.records import AuditBatch, Directory, ExportPage, TicketRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

CURSOR_KEY = "export.after_cursor"
DIRECTORY_REFRESHED_KEY = "directory.refreshed_at"
#: The worker's own Zendesk user: the rules ignore its audits and it authors its notes.
WORKER_ID_KEY = "worker.user_id"
DIRECTORY_MAX_AGE = timedelta(minutes=60)
#: Audit fetches that fail in a row (after retries) before the step gives up for this run.
OUTAGE_AFTER = 3
#: Zendesk refuses an export start_time less than a minute in the past.
EXPORT_LAG = timedelta(minutes=1)


class PullObserver(Protocol):
    """Progress callbacks for a long backfill (the CLI draws a bar from them)."""

    def export_page(self, report: PullReport, page: ExportPage, now: datetime) -> None: ...

    def audits_progress(self, done: int, total: int) -> None: ...


@dataclass
class PullReport:
    directory_refreshed: bool = False
    pages: int = 0
    exported: int = 0
    kept: int = 0
    skipped: int = 0
    audits_fetched: int = 0
    audit_records: int = 0
    audits_failed: int = 0
    audits_pending: int = 0
    people: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    export_seconds: float = 0.0
    audit_seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.pages} export page(s), {self.exported} ticket(s) exported, "
            f"{self.kept} kept, {self.skipped} bad record(s) skipped, audits of "
            f"{self.audits_fetched} ticket(s) ({self.audit_records} audits) fetched, "
            f"{self.audits_pending} still pending, {len(self.errors)} error(s), "
            f"{self.seconds:.1f}s"
        )


def pull(
    reader: ZendeskReader,
    store: MirrorStore,
    settings: Settings,
    clock: Clock,
    *,
    refresh_directory: bool = False,
    observer: PullObserver | None = None,
) -> PullReport:
    return Puller(reader, store, settings, clock, observer).run(refresh_directory)


class Puller:
    """One pull: the three steps above, sharing the report they fill in."""

    def __init__(
        self,
        reader: ZendeskReader,
        store: MirrorStore,
        settings: Settings,
        clock: Clock,
        observer: PullObserver | None = None,
    ) -> None:
        self.reader = reader
        self.store = store
        self.settings = settings
        self.clock = clock
        self.observer = observer
        self.report = PullReport()
        #: Requesters and comment authors seen in this pull, to name them in View Mode.
        self.people: set[int] = set()

    def run(self, refresh_directory: bool = False) -> PullReport:
        started = time.perf_counter()
        fields = self.refresh_directory(force=refresh_directory)
        exporting = time.perf_counter()
        self.export(fields)
        fetching = time.perf_counter()
        self.fetch_audits()
        self.fetch_people()
        done = time.perf_counter()
        self.report.export_seconds = fetching - exporting
        self.report.audit_seconds = done - fetching
        self.report.seconds = done - started
        log.info("pull: %s", self.report.summary())
        return self.report

    def refresh_directory(self, *, force: bool) -> FieldIds:
        now = self.clock.now()
        last = self.store.read_state(DIRECTORY_REFRESHED_KEY)
        if force or last is None or now - datetime.fromisoformat(last) >= DIRECTORY_MAX_AGE:
            try:
                me = self.reader.whoami()
                directory = self.reader.directory()
            except ZendeskRejected as exc:
                if exc.status == 401:
                    raise  # nothing will work with credentials Zendesk refuses
                self.report.errors.append(f"directory: {exc}")
                log.error("directory refresh failed, keeping the stored one: %s", exc)
            except ZendeskError as exc:
                self.report.errors.append(f"directory: {exc}")
                log.error("directory refresh failed, keeping the stored one: %s", exc)
            else:
                self.store.save_directory(directory)
                self.store.write_state(WORKER_ID_KEY, str(me.id))
                self.store.write_state(DIRECTORY_REFRESHED_KEY, now.isoformat())
                self.report.directory_refreshed = True
                log.info("directory: %s", _directory_counts(directory))
        ticket_fields = self.store.load_directory().ticket_fields
        return resolve_fields(ticket_fields, self.settings.system_field)

    def export(self, fields: FieldIds) -> None:
        report = self.report
        cursor = self.store.read_state(CURSOR_KEY)
        start_time = min(self.settings.sync.backfill_since, self.clock.now() - EXPORT_LAG)
        pages = self.reader.export_tickets(
            cursor=cursor, start_time=int(start_time.timestamp()), system_field_id=fields.system
        )
        try:
            for page in pages:
                kept, needs_audits = select_tickets(
                    page.tickets, self.settings.mirrored_group_ids, self.store.ticket_versions
                )
                self.store.save_export_page(
                    kept, needs_audits=needs_audits, cursor_key=CURSOR_KEY, cursor=page.after_cursor
                )
                self.people.update(t.requester_id for t in kept if t.requester_id)
                report.pages += 1
                report.exported += len(page.tickets) + page.skipped
                report.kept += len(kept)
                report.skipped += page.skipped
                if self.observer is not None:
                    self.observer.export_page(report, page, self.clock.now())
        except ZendeskError as exc:
            # Pages stored so far stay stored with their cursor; the next run resumes there.
            report.errors.append(f"export: {exc}")
            log.error("export stopped after %d page(s): %s", report.pages, exc)

    def fetch_audits(self) -> None:
        """Audits of every flagged ticket. A ticket whose audits cannot be read stays
        flagged and the others go on; a run of failures means Zendesk is down or throttling
        beyond our retries, and the rest waits for the next run."""
        report = self.report
        pending = self.store.tickets_needing_audits()
        failures_in_a_row = 0
        fetched = fetch_in_order(
            self.reader.ticket_audits, pending, workers=self.settings.sync.audit_concurrency
        )
        for done, (ticket_id, outcome) in enumerate(fetched, start=1):
            try:
                batch = outcome.result()
            except TicketNotFound:
                # Deleted in Zendesk since it was exported; the export will say so.
                self.store.clear_audit_flag(ticket_id)
                continue
            except ZendeskError as exc:
                report.errors.append(f"audits of ticket {ticket_id}: {exc}")
                report.audits_failed += 1
                failures_in_a_row += 1
                log.error("audits of ticket %d failed: %s", ticket_id, exc)
                if isinstance(exc, ZendeskUnavailable) and failures_in_a_row >= OUTAGE_AFTER:
                    log.error("%d failures in a row: leaving the rest for the next run",
                              failures_in_a_row)  # fmt: skip
                    fetched.close()  # cancels what is still queued
                    break
                continue
            failures_in_a_row = 0
            self.store.save_audits(batch)
            self.people.update(_authors(batch))
            report.audits_fetched += 1
            report.audit_records += len(batch.audits)
            report.skipped += batch.skipped
            if self.observer is not None:
                self.observer.audits_progress(done, len(pending))
        report.audits_pending = len(self.store.tickets_needing_audits())

    def fetch_people(self) -> None:
        """Users this pull met that the store does not know (end users: the directory lists
        agents only). Costs a request per 100 new people, none when nobody is new."""
        missing = self.people - set(self.store.get_users(self.people))
        if not missing:
            return
        try:
            found = self.reader.users(missing)
        except ZendeskError as exc:
            self.report.errors.append(f"users: {exc}")
            log.error("looking up %d user(s) failed: %s", len(missing), exc)
            return
        self.store.save_users(found)
        self.report.people = len(found)


def _authors(batch: AuditBatch) -> set[int]:
    ids = {audit.author_id for audit in batch.audits if audit.author_id}
    ids.update(e.author_id for a in batch.audits for e in a.events if e.author_id)
    return ids


def fetch_in_order(
    fetch: Callable[[int], T], ids: Sequence[int], *, workers: int
) -> Generator[tuple[int, Future[T]], None, None]:
    """``fetch`` each id on ``workers`` threads, yielding (id, finished future) in the order
    of ``ids`` so the caller saves from one thread. At most ``2 * workers`` fetches run
    ahead of the caller; closing the generator cancels the rest."""
    window = 2 * workers
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audits") as pool:
        queued: deque[tuple[int, Future[T]]] = deque()
        upcoming = iter(ids)
        try:
            for ticket_id in islice(upcoming, window):
                queued.append((ticket_id, pool.submit(fetch, ticket_id)))
            while queued:
                ticket_id, future = queued.popleft()
                future.exception()  # wait for it
                yield ticket_id, future
                for next_id in islice(upcoming, 1):
                    queued.append((next_id, pool.submit(fetch, next_id)))
        finally:
            for _, future in queued:
                future.cancel()


def select_tickets(
    tickets: Collection[TicketRecord],
    partner_groups: frozenset[int],
    versions_of: _Versions,
) -> tuple[list[TicketRecord], list[int]]:
    """The tickets to mirror, and those of them whose audits must be (re)fetched.

    Mirrored: tickets in a partner group, and tickets we already mirror (so a ticket that
    left a partner group is updated, and the rules see it left). Audits: new or changed
    (``updated_at`` moves with every event) tickets that are not deleted.
    """
    versions = versions_of([t.id for t in tickets])
    kept = [t for t in tickets if t.group_id in partner_groups or t.id in versions]
    needs_audits = [t.id for t in kept if not t.deleted and versions.get(t.id) != t.updated_at]
    return kept, needs_audits


class _Versions(Protocol):
    def __call__(self, ids: Collection[int], /) -> dict[int, datetime]: ...


def _directory_counts(directory: Directory) -> str:
    return (
        f"{len(directory.users)} users, {len(directory.groups)} groups, "
        f"{len(directory.memberships)} memberships, {len(directory.organizations)} "
        f"organizations, {len(directory.ticket_fields)} ticket fields, "
        f"{len(directory.custom_statuses)} custom statuses"
    )
