"""TicketWriter: the ``ZendeskWriter`` port, over zenpy and the same requests session.

- ``update_ticket``: zenpy's ``tickets.update`` with zenpy's way to a safe update (two
  extra attributes, ``safe_update`` and ``updated_stamp``, the stamp kept as the string
  Zendesk sent: zenpy turns a datetime into a date). zenpy's answer objects rename keys
  (``via.source.from`` becomes ``from_``), so the answer's raw JSON is read from the
  session, where every response passes, for the mirror to keep what Zendesk sent.
- ``update_many``: ``PUT /api/v2/tickets/update_many.json?ids=...`` with one change (zenpy
  only offers the per-ticket list form), at most 100 tickets per job; the jobs are polled
  together through ``job_statuses/show_many`` until they finish, and each ticket's outcome
  is read from the results (a failed ticket does not fail the job: zenpy #477).
- ``create_ticket``: ``POST /api/v2/tickets.json`` through the session, because zenpy has
  no per-request headers and the ``Idempotency-Key`` must go out with it; the answer's
  ticket and audit come back for the mirror.
- ``show_ticket``: the ticket as raw JSON, for re-pulls.

Every request runs under the one retry policy. A write without an answer
(``maybe_applied``) is never retried blindly; two writes are safe to send again and the
policy is told so (``resend_lost``): a creation (same ``Idempotency-Key``, same body:
Zendesk returns the first ticket) and a note-less update_many change (adding or removing
tags twice equals once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Protocol

import orjson
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket

from adapters.zendesk.new_ticket import created_records, new_ticket_payload
from adapters.zendesk.parse import BadRecord, JobStatus, parse_audit, parse_job_status, parse_ticket
from adapters.zendesk.retry import Sleep
from adapters.zendesk.session import ZendeskSession, json_body
from sync.errors import TicketUnreadable, ZendeskUnavailable
from sync.records import (
    BulkResult,
    CreatedTicket,
    NewTicket,
    TicketChange,
    TicketRecord,
    UpdatedTicket,
)

log = logging.getLogger(__name__)


class Call(Protocol):
    """The client's retry policy around one request (``ZendeskClient._call``)."""

    def __call__(self, fetch: Callable[[], Any], *, resend_lost: bool = False) -> Any: ...


#: Zendesk's limit on tickets per update_many job and on ids per show_many.
MAX_MANY = 100
#: Seconds between polls of unfinished jobs (the last value repeats), and how long to wait.
POLL_WAITS = (0.5, 1.0, 2.0, 3.0, 5.0)
POLL_TIMEOUT = 300.0
_JSON = {"Content-Type": "application/json"}


class TicketWriter:
    def __init__(
        self,
        session: ZendeskSession,
        zenpy: Zenpy,
        *,
        call: Call,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.session = session
        self.zenpy = zenpy
        self._call = call
        self._sleep = sleep
        self._answers = threading.local()
        session.hooks["response"].append(self._remember)

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # Runs in the thread that made the request, so concurrent readers cannot mix answers.
        self._answers.last = response

    @contextmanager
    def _answer(self) -> Iterator[list[requests.Response]]:
        """The HTTP response of the zenpy call made inside the block, once it returned."""
        caught: list[requests.Response] = []
        self._answers.last = None
        yield caught
        if self._answers.last is not None:
            caught.append(self._answers.last)

    def show_ticket(self, ticket_id: int, *, system_field_id: int | None) -> TicketRecord:
        url = f"{self.session.base_url}/api/v2/tickets/{ticket_id}.json"
        body = self._call(lambda: json_body(self.session.get(url)))
        return _ticket(body, system_field_id, f"GET ticket {ticket_id}", wrote=False)

    def update_ticket(self, change: TicketChange, *, system_field_id: int | None) -> UpdatedTicket:
        body = self._call(lambda: self._update(change))
        where = f"PUT ticket {change.ticket_id}"
        ticket = _ticket(body, system_field_id, where, wrote=True)
        raw_audit = body.get("audit") if isinstance(body, Mapping) else None
        if not isinstance(raw_audit, Mapping) or not raw_audit.get("events"):
            return UpdatedTicket(ticket, None)  # nothing changed: Zendesk recorded no audit
        try:
            audit, skipped = parse_audit(raw_audit, change.ticket_id)
        except BadRecord as exc:
            log.warning("%s: the answer's audit is unreadable (%s); the next pull reads it",
                        where, exc, extra={"step": "push", "ticket_id": change.ticket_id,
                                           "error": "BadRecord"})  # fmt: skip
            return UpdatedTicket(ticket, None)
        for reason in skipped:
            log.info("%s: skipping event: %s", where, reason,
                     extra={"step": "push", "ticket_id": change.ticket_id})  # fmt: skip
        return UpdatedTicket(ticket, audit)

    def _update(self, change: TicketChange) -> Any:
        ticket = Ticket(id=change.ticket_id)
        for name, value in change.fields.items():
            setattr(ticket, name, value)
        if change.note is not None:
            ticket.comment = Comment(body=change.note, public=False, author_id=change.author_id)
        if change.updated_stamp is not None:
            ticket.safe_update = True
            ticket.updated_stamp = change.updated_stamp
        with self._answer() as answer:
            self.zenpy.tickets.update(ticket)
        if not answer:
            raise ZendeskUnavailable(f"PUT ticket {change.ticket_id}: no response was seen")
        return json_body(answer[0])

    def update_many(self, ids: Sequence[int], change: TicketChange) -> list[BulkResult]:
        payload = orjson.dumps({"ticket": _bulk_payload(change)})
        jobs: dict[str, list[int]] = {}
        for start in range(0, len(ids), MAX_MANY):
            chunk = list(ids[start : start + MAX_MANY])
            jobs[self._submit(chunk, payload, resend=change.note is None)] = chunk
        finished = self._wait_for(list(jobs))
        results: list[BulkResult] = []
        for job_id, chunk in jobs.items():
            results += _job_results(job_id, chunk, finished[job_id])
        return results

    def _submit(self, ids: list[int], payload: bytes, *, resend: bool) -> str:
        url = f"{self.session.base_url}/api/v2/tickets/update_many.json"
        params = {"ids": ",".join(map(str, ids))}

        def send() -> Any:
            return json_body(self.session.put(url, params=params, data=payload, headers=_JSON))

        body = self._call(send, resend_lost=resend)
        job = body.get("job_status") if isinstance(body, Mapping) else None
        if not isinstance(job, Mapping) or not isinstance(job.get("id"), str):
            raise ZendeskUnavailable(f"update_many answered without a job_status: {body!r:.200}")
        return str(job["id"])

    def _wait_for(self, job_ids: list[str]) -> dict[str, JobStatus]:
        """Poll the jobs (up to 100 per request) until every one is done."""
        url = f"{self.session.base_url}/api/v2/job_statuses/show_many.json"
        done: dict[str, JobStatus] = {}
        waited, polls = 0.0, 0
        while True:
            waiting = [job for job in job_ids if job not in done]
            for start in range(0, len(waiting), MAX_MANY):
                params = {"ids": ",".join(waiting[start : start + MAX_MANY])}
                body = self._call(partial(self._get, url, params))
                for status in _statuses(body):
                    if status.done and status.id in job_ids:
                        done[status.id] = status
            if len(done) == len(job_ids):
                return done
            if waited >= POLL_TIMEOUT:
                raise ZendeskUnavailable(f"jobs {sorted(set(job_ids) - set(done))} unfinished "
                                         f"after {waited:.0f}s")  # fmt: skip
            pause = POLL_WAITS[min(polls, len(POLL_WAITS) - 1)]
            self._sleep(pause)
            waited, polls = waited + pause, polls + 1

    def _get(self, url: str, params: Mapping[str, str]) -> Any:
        return json_body(self.session.get(url, params=params))

    def create_ticket(
        self, ticket: NewTicket, *, system_field_id: int | None = None
    ) -> CreatedTicket:
        url = f"{self.session.base_url}/api/v2/tickets.json"
        payload = orjson.dumps({"ticket": new_ticket_payload(ticket)})
        headers = {**_JSON, "Idempotency-Key": ticket.idempotency_key}
        seen: list[requests.Response] = []

        def send() -> Any:
            response = self.session.post(url, data=payload, headers=headers)
            seen.append(response)
            return json_body(response)

        body = self._call(send, resend_lost=True)
        created = body.get("ticket") if isinstance(body, Mapping) else None
        if not isinstance(created, Mapping) or not isinstance(created.get("id"), int):
            raise ZendeskUnavailable(
                f"POST ticket answered without a ticket id: {body!r:.200}", maybe_applied=True
            )
        replayed = seen[-1].headers.get("x-idempotency-lookup") == "hit"
        record, audit = created_records(body, int(created["id"]), system_field_id)
        return CreatedTicket(int(created["id"]), replayed, record, audit)


def _ticket(body: Any, system_field_id: int | None, where: str, *, wrote: bool) -> TicketRecord:
    """The answer's ticket. An unreadable one after a write still means the write was made
    (Zendesk said 2xx): ``maybe_applied``, so the caller checks rather than sends again."""
    raw = body.get("ticket") if isinstance(body, Mapping) else None
    try:
        return parse_ticket(raw, system_field_id)
    except BadRecord as exc:
        raise TicketUnreadable(
            f"{where}: the answer's ticket is unreadable: {exc}", reason=exc.reason,
            maybe_applied=wrote,
        ) from exc  # fmt: skip


def _bulk_payload(change: TicketChange) -> dict[str, Any]:
    payload: dict[str, Any] = dict(change.fields)
    if change.additional_tags:
        payload["additional_tags"] = list(change.additional_tags)
    if change.remove_tags:
        payload["remove_tags"] = list(change.remove_tags)
    if change.note is not None:
        payload["comment"] = {"body": change.note, "public": False, "author_id": change.author_id}
    return payload


def _statuses(body: Any) -> list[JobStatus]:
    """The readable job statuses of an answer; an unreadable one is logged and polled again."""
    listed = body.get("job_statuses") if isinstance(body, Mapping) else None
    if not isinstance(listed, list):
        raise ZendeskUnavailable(f"job_statuses answered without a list: {body!r:.200}")
    statuses: list[JobStatus] = []
    for raw in listed:
        try:
            statuses.append(parse_job_status(raw))
        except BadRecord as exc:
            log.warning("skipping %s; it is polled again", exc,
                        extra={"step": "push", "error": "BadRecord"})  # fmt: skip
    return statuses


def _job_results(job_id: str, ids: list[int], status: JobStatus) -> list[BulkResult]:
    if status.status != "completed":
        why = f"job {status.status}: {status.message}"
        return [BulkResult(ticket_id, False, why, job_id) for ticket_id in ids]
    by_id: dict[int, Mapping[str, Any]] = {}
    for listed in status.results:
        if isinstance(listed.get("id"), int):
            by_id[listed["id"]] = listed
    outcomes: list[BulkResult] = []
    for ticket_id in ids:
        result = by_id.get(ticket_id)
        if result is None:
            outcomes.append(BulkResult(ticket_id, False, "no result in the job", job_id))
        elif result.get("success") is True:
            outcomes.append(BulkResult(ticket_id, True, None, job_id))
        else:
            error = f"{result.get('error', 'Failed')}: {result.get('details', '')}".rstrip(": ")
            outcomes.append(BulkResult(ticket_id, False, error, job_id))
    return outcomes
