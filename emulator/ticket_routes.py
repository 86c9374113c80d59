"""Ticket endpoints: export, show, show_many, create, update, update_many, job statuses,
audits and comments. Shapes and statuses: see the docstrings of :mod:`export`,
:mod:`world`, :mod:`jobs`, :mod:`idempotency` and :mod:`listing`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from emulator import errors, export, jobs
from emulator.exchange import Request, Response
from emulator.idempotency import IdempotencyBook, Stored
from emulator.listing import paginate
from emulator.metrics import metric_set
from emulator.routing import Route, route
from emulator.tickets import comment_documents
from emulator.world import World

MAX_MANY = 100


class TicketRoutes:
    def __init__(self, world: World, jobs_book: jobs.JobBook) -> None:
        self.world = world
        self.jobs = jobs_book
        self.idempotency = IdempotencyBook()

    def routes(self) -> list[Route]:
        return [
            route("GET", "/api/v2/incremental/tickets/cursor", self.export, export=True),
            route("GET", "/api/v2/tickets/show_many", self.show_many),
            route("PUT", "/api/v2/tickets/update_many", self.update_many),
            route("GET", "/api/v2/tickets/{ticket_id}", self.show),
            route("PUT", "/api/v2/tickets/{ticket_id}", self.update, ticket_update=True),
            route("POST", "/api/v2/tickets", self.create),
            route("GET", "/api/v2/tickets/{ticket_id}/audits", self.audits),
            route("GET", "/api/v2/tickets/{ticket_id}/comments", self.comments),
            route("GET", "/api/v2/job_statuses/show_many", self.job_statuses),
            route("GET", "/api/v2/job_statuses/{job}", self.job_status),
        ]

    def export(self, request: Request) -> Response:
        if request.acting_user.role != "admin":
            raise errors.forbidden()
        world = self.world
        query = export.read_request(request.params(), world.clock.timestamp())
        with world.lock:
            horizon = world.clock.timestamp() - export.EXPORT_LAG_SECONDS
            ids, last, more = world.stream.page(
                query.after,
                horizon,
                query.per_page,
                self._deleted if query.exclude_deleted else None,
            )
            found = [world.tickets[tid] for tid in ids]
            pages = [world.render_exported(ticket) for ticket in found]
            sideloads = {}
            if "metric_sets" in query.include:
                # Zendesk keeps no metrics for deleted tickets.
                sideloads["metric_sets"] = [
                    metric_set(t, world.audits(t, keep=False), world.directory, world.base_url)
                    for t in found
                    if not t.deleted
                ]
        body = export.page_body(query, world.base_url, pages, last, more, sideloads=sideloads)
        return Response(200, body)

    def _deleted(self, ticket_id: int) -> bool:
        return self.world.tickets[ticket_id].deleted

    def show(self, request: Request, ticket_id: int) -> Response:
        # Render under the lock: an update in between would leave a stale cached document.
        with self.world.lock:
            document = self.world.render(self.world.ticket(ticket_id))
        return Response(200, b'{"ticket":' + document + b"}")

    def show_many(self, request: Request) -> Response:
        ids = _ids(request.param("ids"))
        with self.world.lock:
            found = [self.world.tickets.get(tid) for tid in ids]
            parts = [self.world.render(t) for t in found if t is not None and not t.deleted]
        return Response(200, b'{"tickets":[' + b",".join(parts) + b"]}")

    def update(self, request: Request, ticket_id: int) -> Response:
        payload = _ticket_payload(request.json())
        with self.world.lock:  # the answer shows the ticket exactly as this update left it
            ticket, audit = self.world.update_ticket(ticket_id, payload, request.acting_user)
            body = b'{"ticket":' + self.world.render(ticket) + b',"audit":'
            body += orjson.dumps(audit.document()) + b"}"
        return Response(200, body)

    def create(self, request: Request) -> Response:
        key = request.header("idempotency-key")
        world = self.world
        with world.lock:
            if key:
                fingerprint = self.idempotency.fingerprint(request.body)
                stored = self.idempotency.lookup(key, fingerprint, world.clock.timestamp())
                if stored is not None:
                    return Response(stored.status, stored.body, {"x-idempotency-lookup": "hit"})
            payload = _ticket_payload(request.json())
            ticket = world.create_ticket(payload, request.acting_user)
            audit = world.audits(ticket)[0]
            body = b'{"ticket":' + world.render(ticket) + b',"audit":'
            body += orjson.dumps(audit.document()) + b"}"
            headers = {"Location": f"{world.base_url}/api/v2/tickets/{ticket.id}.json"}
            if key:
                now = world.clock.timestamp()
                self.idempotency.store(key, Stored(fingerprint, 201, body, now))
                headers["x-idempotency-lookup"] = "miss"
        return Response(201, body, headers)

    def update_many(self, request: Request) -> Response:
        data = request.json()
        if request.param("ids") is not None:
            change = _ticket_payload(data)
            work = [(tid, change) for tid in _ids(request.param("ids"))]
        else:
            work = _tickets_list(data)
        job = self.jobs.submit(work, request.acting_user)
        return Response.of(200, {"job_status": jobs.document(job, self.world.base_url)})

    def job_status(self, request: Request, job: str) -> Response:
        found = self.jobs.poll(job)
        if found is None:
            raise errors.record_not_found()
        return Response.of(200, {"job_status": jobs.document(found, self.world.base_url)})

    def job_statuses(self, request: Request) -> Response:
        ids = [part for part in (request.param("ids") or "").split(",") if part]
        if len(ids) > MAX_MANY:
            raise errors.too_many_values("ids")
        found = [job for job in map(self.jobs.poll, ids) if job is not None]
        documents = [jobs.document(job, self.world.base_url) for job in found]
        return Response.of(200, {"job_statuses": documents})

    def audits(self, request: Request, ticket_id: int) -> Response:
        with self.world.lock:
            ticket = self.world.ticket(ticket_id)
            documents = [audit.document() for audit in self.world.audits(ticket)]
        return Response.of(200, paginate(request, "audits", documents))

    def comments(self, request: Request, ticket_id: int) -> Response:
        with self.world.lock:
            ticket = self.world.ticket(ticket_id)
            documents = comment_documents(self.world.audits(ticket))
        return Response.of(200, paginate(request, "comments", documents))


def _ticket_payload(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not isinstance(data.get("ticket"), Mapping):
        raise errors.bad_request("InvalidParameter", 'The body must be {"ticket": {...}}')
    ticket: Mapping[str, Any] = data["ticket"]
    return ticket


def _tickets_list(data: Any) -> list[tuple[int, Mapping[str, Any]]]:
    tickets = data.get("tickets") if isinstance(data, Mapping) else None
    if not isinstance(tickets, list) or not all(isinstance(t, Mapping) for t in tickets):
        raise errors.bad_request("InvalidParameter", 'The body must be {"tickets": [...]}')
    if len(tickets) > MAX_MANY:
        raise errors.too_many_values("tickets")
    work: list[tuple[int, Mapping[str, Any]]] = []
    for entry in tickets:
        if "id" not in entry:
            raise errors.bad_request("InvalidParameter", "Every ticket needs an id")
        work.append((_int(entry["id"]), {k: v for k, v in entry.items() if k != "id"}))
    return work


def _ids(value: str | None) -> list[int]:
    ids = [_int(part) for part in (value or "").split(",") if part.strip()]
    if len(ids) > MAX_MANY:
        raise errors.too_many_values("ids")
    return ids


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise errors.bad_request("InvalidParameter", f"{value!r} is not an id") from exc
