"""Pull: Zendesk -> local model. Step one of the cycle (pull -> decide -> push).

1. refresh the directory (users, groups, memberships, organizations, fields, statuses) when
   it is older than ``DIRECTORY_MAX_AGE`` or asked to, listing by listing, keeping the last
   good copy of one that fails (sync/pull/directory.py), and resolve the custom fields we
   read (the "System" column, the two Time Tracking fields) to their ids;
2. read the incremental export from the stored cursor, keep the tickets of the partner
   groups, those that left them (they must stop being acted on) and the worker's follow-up
   tickets (List Mode shows them with their customer), and store each page
   with its ``after_cursor`` in one transaction: a crash between pages loses nothing and
   repeats nothing;
3. read again on its own (``GET /tickets/{id}``) every ticket the export sent that could
   not be read (missing fields, an unknown status): the export page remembers them in the
   store with its cursor, so the cursor never moves past a ticket silently; one that can
   be read now is mirrored like an exported one (its audits fetched in step 4), one that is
   gone (404) is forgotten, one that still cannot be read is read again next cycle
   (``zdsync status`` lists them with the reason);
4. fetch the audits of every kept ticket that changed (flagged in steps 2 and 3, so a crash
   before step 4 finishes leaves the flags for the next run).

A bad record is logged with its id and skipped by the adapter; a failing step is logged and
the cycle goes on with what it has (the next run retries). Zendesk refusing the worker's
access (401/403, ``ZendeskAccessDenied``) stops the whole cycle at once, with that one
error: nothing else would work either.
A stop (SIGTERM, the cycle's
deadline: ``sync.stopping``) ends the pull after the page or the ticket's audits being
stored, and the next run resumes there.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sync.config import Settings
from sync.errors import (
    StopRequested,
    TicketNotFound,
    TicketUnreadable,
    ZendeskAccessDenied,
    ZendeskError,
    ZendeskUnavailable,
)
from sync.fields import FieldIds, resolve_fields
from sync.ports import Clock, MirrorStore, ZendeskReader
from sync.pull.directory import refresh_directory
from sync.pull.fetching import fetch_in_order
from sync.pull.selection import select_tickets
from sync.records import AuditBatch, ExportPage, TicketRecord, UnreadableTicket
from sync.stopping import Stopping

log = logging.getLogger("sync.pull")  # named after the step: what operators filter on

CURSOR_KEY = "export.after_cursor"
#: The export has every change up to this time (ISO-8601): the end of the stream when it
#: was reached, else the newest ``generated_timestamp`` stored. Now minus this is the lag.
CAUGHT_UP_KEY = "export.caught_up_to"
#: The last error a pull met, as JSON {"at": ISO-8601, "error": text, "errors": count}.
LAST_ERROR_KEY = "pull.last_error"
#: When the first pull of an empty mirror (no export cursor yet) began, written once: the
#: go-live instant of ``rules.act_on_changes_since: first-run``.
FIRST_PULL_KEY = "pull.first_started_at"
#: Audit fetches that fail in a row (after retries) before the step gives up for this run.
OUTAGE_AFTER = 3
#: Zendesk refuses an export start_time less than a minute in the past.
EXPORT_LAG = timedelta(minutes=1)
#: Unreadable tickets read again per pull at most (one request each), the least tried
#: first: a parser that refuses every record must not cost a request per
#: ticket per cycle; the rest waits for the next cycles.
REREADS_PER_PULL = 100


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
    #: Unreadable tickets read again on their own, and of them those now mirrored.
    reread: int = 0
    reread_ok: int = 0
    #: Tickets that still cannot be read after this pull (``zdsync status`` lists them).
    unreadable: int = 0
    people: int = 0
    errors: list[str] = field(default_factory=list)
    #: Why the pull stopped before its end (a signal, the deadline); None: it ran through.
    stopped: str | None = None
    seconds: float = 0.0
    export_seconds: float = 0.0
    audit_seconds: float = 0.0
    #: See ``CAUGHT_UP_KEY``; None when the export stored nothing this run.
    caught_up_to: datetime | None = None

    def counts(self) -> dict[str, int]:
        """The figures of the summary, for structured logs and ``--json``."""
        return {
            "pages": self.pages, "exported": self.exported, "kept": self.kept,
            "skipped": self.skipped, "audits_fetched": self.audits_fetched,
            "audit_records": self.audit_records, "audits_failed": self.audits_failed,
            "audits_pending": self.audits_pending, "reread": self.reread,
            "reread_ok": self.reread_ok, "unreadable": self.unreadable,
            "people": self.people, "errors": len(self.errors),
        }  # fmt: skip

    def summary(self) -> str:
        return (
            f"{self.pages} export page(s), {self.exported} ticket(s) exported, "
            f"{self.kept} kept, {self.skipped} bad record(s) skipped, "
            f"{self.reread_ok} of {self.reread} unreadable ticket(s) read again, "
            f"{self.unreadable} still unreadable, audits of "
            f"{self.audits_fetched} ticket(s) ({self.audit_records} audits) fetched, "
            f"{self.audits_pending} still pending, {len(self.errors)} error(s), "
            f"{self.seconds:.1f}s" + (f"; stopped early: {self.stopped}" if self.stopped else "")
        )


def pull(
    reader: ZendeskReader,
    store: MirrorStore,
    settings: Settings,
    clock: Clock,
    *,
    refresh_directory: bool = False,
    observer: PullObserver | None = None,
    stop: Stopping | None = None,
) -> PullReport:
    puller = Puller(reader, store, settings, clock, observer=observer, stop=stop)
    return puller.run(refresh_directory)


class Puller:
    """One pull: the three steps above, sharing the report they fill in."""

    def __init__(
        self,
        reader: ZendeskReader,
        store: MirrorStore,
        settings: Settings,
        clock: Clock,
        *,
        observer: PullObserver | None = None,
        stop: Stopping | None = None,
    ) -> None:
        self.reader = reader
        self.stop = stop
        self.store = store
        self.settings = settings
        self.clock = clock
        self.observer = observer
        self.report = PullReport()
        #: Requesters and comment authors seen in this pull, to name them in View Mode.
        self.people: set[int] = set()

    def run(self, refresh_directory: bool = False) -> PullReport:
        started = exporting = fetching = time.perf_counter()
        self.mark_first_pull()
        try:
            fields = self.refresh_directory(force=refresh_directory)
            exporting = time.perf_counter()
            if not self.stopping():
                self.export(fields)
            if not self.stopping():
                self.reread_unreadable(fields)
            fetching = time.perf_counter()
            if not self.stopping():
                self.fetch_audits()
            if not self.stopping():
                self.fetch_people()
        except StopRequested as exc:
            self.stopped_by(exc)
        except ZendeskAccessDenied:
            self._remember_errors()  # the step that met it noted where
            raise
        done = time.perf_counter()
        self.report.export_seconds = fetching - exporting
        self.report.audit_seconds = done - fetching
        self.report.seconds = done - started
        self._remember_errors()
        self.report.unreadable = len(self.store.unreadable_tickets())
        log.log(
            logging.WARNING if self.report.errors or self.report.unreadable else logging.INFO,
            "pull: %s", self.report.summary(),
            extra={"step": "pull", "counts": self.report.counts(),
                   "duration_s": round(self.report.seconds, 3)},
        )  # fmt: skip
        if self.report.unreadable:
            log.warning(
                "pull: %d ticket(s) Zendesk sent cannot be read and are not mirrored or "
                "acted on; they are read again next cycle (`zdsync status` lists them)",
                self.report.unreadable, extra={"step": "pull"},
            )  # fmt: skip
        return self.report

    def _remember_errors(self) -> None:
        """For ``zdsync status``: the last error stays until a later pull meets another."""
        if self.report.errors:
            last = {"at": self.clock.now().isoformat(), "error": self.report.errors[-1],
                    "errors": len(self.report.errors)}  # fmt: skip
            self.store.write_state(LAST_ERROR_KEY, json.dumps(last))

    def mark_first_pull(self) -> None:
        """Record when the first pull began, once: before anything is stored, so that a
        first pull that is interrupted and resumed keeps its instant."""
        store = self.store
        if store.read_state(FIRST_PULL_KEY) is None and store.read_state(CURSOR_KEY) is None:
            moment = self.clock.now()
            store.write_state(FIRST_PULL_KEY, moment.isoformat())
            log.info("first pull of an empty mirror: go-live instant %s", moment.isoformat())

    def refresh_directory(self, *, force: bool) -> FieldIds:
        self.report.directory_refreshed = refresh_directory(
            self.reader, self.store, self.clock, force=force, errors=self.report.errors
        )
        ticket_fields = self.store.load_directory().ticket_fields
        return resolve_fields(ticket_fields, self.settings.system_field)

    def stopping(self) -> bool:
        """At a safe boundary: whether to stop here (the reason goes in the report)."""
        reason = self.stop.reason if self.stop is not None else None
        if reason is not None and self.report.stopped is None:
            self.stopped_by(StopRequested(reason))
        return self.report.stopped is not None

    def stopped_by(self, stop: StopRequested) -> None:
        if self.report.stopped is None:
            self.report.stopped = str(stop)
            log.warning("pull: stopping at a safe boundary: %s", stop)

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
                    kept, needs_audits=needs_audits, cursor_key=CURSOR_KEY,
                    cursor=page.after_cursor, unreadable=page.unreadable,
                )  # fmt: skip
                self.people.update(t.requester_id for t in kept if t.requester_id)
                report.pages += 1
                report.exported += len(page.tickets) + page.skipped
                report.kept += len(kept)
                report.skipped += page.skipped
                report.caught_up_to = self._caught_up(page, report.caught_up_to)
                if self.observer is not None:
                    self.observer.export_page(report, page, self.clock.now())
                if self.stopping():
                    break  # the page and its cursor are stored: the next run goes on there
        except StopRequested as exc:  # waiting to ask for the next page
            self.stopped_by(exc)
        except ZendeskAccessDenied as exc:
            report.errors.append(f"export: {exc}")
            raise
        except ZendeskError as exc:
            # Pages stored so far stay stored with their cursor; the next run resumes there.
            report.errors.append(f"export: {exc}")
            log.error("export stopped after %d page(s): %s", report.pages, exc,
                      extra={"step": "pull", "error": type(exc).__name__})  # fmt: skip
        if report.caught_up_to is not None:
            self.store.write_state(CAUGHT_UP_KEY, report.caught_up_to.isoformat())

    def reread_unreadable(self, fields: FieldIds) -> None:
        """Read each remembered unreadable ticket on its own, and store what that gave in
        one transaction. An outage ends the re-reads for this pull (the rest waits)."""
        remembered = self.store.unreadable_tickets()
        # The least tried first: when more are remembered than a pull reads again, each
        # gets its turn.
        due = sorted(remembered, key=lambda u: (u.tries, u.ticket_id))
        read: list[TicketRecord] = []
        still: list[UnreadableTicket] = []
        gone: list[int] = []
        try:
            for entry in due[:REREADS_PER_PULL]:
                if self.stopping():
                    break
                self.report.reread += 1
                try:
                    read.append(self.reader.show_ticket(
                        entry.ticket_id, system_field_id=fields.system))  # fmt: skip
                except TicketNotFound:
                    gone.append(entry.ticket_id)
                    log.info("ticket %d, unreadable since %s, is gone from Zendesk (404): "
                             "no longer read again", entry.ticket_id, _when(entry.since),
                             extra={"step": "pull", "ticket_id": entry.ticket_id})  # fmt: skip
                except TicketUnreadable as exc:
                    still.append(UnreadableTicket(entry.ticket_id, exc.reason))
                    log.warning("ticket %d still cannot be read (since %s): %s",
                                entry.ticket_id, _when(entry.since), exc.reason, extra={
                                    "step": "pull", "ticket_id": entry.ticket_id,
                                    "error": "TicketUnreadable"})  # fmt: skip
        except StopRequested as exc:
            self.stopped_by(exc)
        except ZendeskAccessDenied as exc:
            self.report.errors.append(f"reading unreadable tickets again: {exc}")
            raise
        except ZendeskError as exc:
            self.report.errors.append(f"reading unreadable tickets again: {exc}")
            log.error("reading unreadable tickets again stopped: %s; the rest waits for the "
                      "next run", exc,
                      extra={"step": "pull", "error": type(exc).__name__})  # fmt: skip
        finally:
            kept, needs_audits = select_tickets(
                read, self.settings.mirrored_group_ids, self.store.ticket_versions
            )
            self.store.save_reread(
                kept, needs_audits=needs_audits, still_unreadable=still,
                forget=[*gone, *(t.id for t in read)],
            )  # fmt: skip
            self.people.update(t.requester_id for t in kept if t.requester_id)
            self.report.reread_ok += len(read)
            self.report.kept += len(kept)
        mirrored = {t.id for t in kept}
        for ticket in read:
            log.info("ticket %d, unreadable in the export, was read on its own%s",
                     ticket.id, "" if ticket.id in mirrored else " (not a partner ticket)",
                     extra={"step": "pull", "ticket_id": ticket.id})  # fmt: skip

    def _caught_up(self, page: ExportPage, before: datetime | None) -> datetime | None:
        if page.end_of_stream:
            return self.clock.now()
        stamps = [t.generated_timestamp for t in page.tickets if t.generated_timestamp]
        newest = datetime.fromtimestamp(max(stamps), UTC) if stamps else None
        return max(filter(None, (before, newest)), default=None)

    def fetch_audits(self) -> None:
        """Audits of every flagged ticket. A ticket whose audits cannot be read stays
        flagged and the others go on; a run of failures means Zendesk is down or throttling
        beyond our retries, and the rest waits for the next run."""
        report = self.report
        pending = self.store.tickets_needing_audits()
        failures_in_a_row = 0
        # closing: an error the loop does not handle still stops the fetches (and waits for
        # those under way) instead of leaving them running after the pull has returned.
        with closing(
            fetch_in_order(
                self.reader.ticket_audits, pending, workers=self.settings.sync.audit_concurrency
            )
        ) as fetched:
            for done, (ticket_id, outcome) in enumerate(fetched, start=1):
                if self.stopping():
                    break  # closing cancels what is queued; the rest stays flagged
                try:
                    batch = outcome.result()
                except StopRequested as exc:
                    self.stopped_by(exc)
                    break
                except TicketNotFound:
                    # Deleted in Zendesk since it was exported; the export will say so.
                    self.store.clear_audit_flag(ticket_id)
                    continue
                except ZendeskAccessDenied as exc:
                    report.errors.append(f"audits of ticket {ticket_id}: {exc}")
                    raise  # closing() cancels what is still queued
                except ZendeskError as exc:
                    report.errors.append(f"audits of ticket {ticket_id}: {exc}")
                    report.audits_failed += 1
                    failures_in_a_row += 1
                    log.error(
                        "audits of ticket %d failed: %s",
                        ticket_id,
                        exc,
                        extra={"step": "pull", "ticket_id": ticket_id, "error": type(exc).__name__},
                    )
                    if isinstance(exc, ZendeskUnavailable) and failures_in_a_row >= OUTAGE_AFTER:
                        log.error("%d failures in a row: leaving the rest for the next run",
                                  failures_in_a_row, extra={"step": "pull"})  # fmt: skip
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
        except ZendeskAccessDenied as exc:
            self.report.errors.append(f"users: {exc}")
            raise
        except ZendeskError as exc:
            self.report.errors.append(f"users: {exc}")
            log.error("looking up %d user(s) failed: %s", len(missing), exc,
                      extra={"step": "pull", "error": type(exc).__name__})  # fmt: skip
            return
        self.store.save_users(found)
        self.report.people = len(found)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "an unknown time"


def _authors(batch: AuditBatch) -> set[int]:
    ids = {audit.author_id for audit in batch.audits if audit.author_id}
    ids.update(e.author_id for a in batch.audits for e in a.events if e.author_id)
    return ids
