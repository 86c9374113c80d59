"""Background jobs of ``PUT /api/v2/tickets/update_many.json`` and their statuses.

A job answers ``queued`` first [rec], then moves one step each time it is polled
(``GET /api/v2/job_statuses/{id}.json`` or ``show_many``): ``working``, then
``completed``. It also completes once ``JOB_SECONDS`` of emulator clock time have
passed, noticed at the next request. The tickets change only when the job completes,
as in Zendesk, where a bulk update is applied in the background. Per-ticket outcomes are
in ``results``; failures do not fail the job (zenpy #477: read them there).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError
from emulator.specs import UserSpec
from emulator.tickets import iso
from emulator.world import World

JOB_SECONDS = 2


@dataclass(slots=True)
class Job:
    id: str
    created_at: int
    actor: UserSpec
    work: list[tuple[int, Mapping[str, Any]]]
    status: str = "queued"
    results: list[dict[str, Any]] | None = None
    completed_at: int | None = None
    polls: int = 0
    progress: int | None = field(default=None)


class JobBook:
    """The account's jobs, kept for the emulator's lifetime."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._jobs: dict[str, Job] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def submit(self, work: Sequence[tuple[int, Mapping[str, Any]]], actor: UserSpec) -> Job:
        number = next(self._numbers)
        digest = hashlib.sha1(f"job-{number}".encode(), usedforsecurity=False).hexdigest()
        job = Job(f"V3-{digest[:32]}", self.world.clock.timestamp(), actor, list(work))
        with self._lock:
            self._jobs[job.id] = job
        return job

    def poll(self, job_id: str) -> Job | None:
        """The job, one step further along (None when unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return None
        with self.world.lock:
            job.polls += 1
            if job.status == "queued":
                job.status, job.progress = "working", 0
            elif job.status == "working":
                self._complete(job)
        return job

    def finish_due(self) -> None:
        """Complete the jobs whose time has come."""
        now = self.world.clock.timestamp()
        with self._lock:
            due = [j for j in self._jobs.values() if j.status != "completed"]
        with self.world.lock:
            for job in due:
                if now - job.created_at >= JOB_SECONDS:
                    self._complete(job)

    def _complete(self, job: Job) -> None:
        if job.status == "completed":
            return
        job.results = [
            self._apply(index, tid, change, job.actor)
            for index, (tid, change) in enumerate(job.work)
        ]
        job.status, job.progress = "completed", len(job.work)
        job.completed_at = self.world.clock.timestamp()

    def _apply(
        self, index: int, ticket_id: int, change: Mapping[str, Any], actor: UserSpec
    ) -> dict[str, Any]:
        try:
            self.world.update_ticket(ticket_id, change, actor)
        except ApiError as exc:
            return {
                "index": index,
                "id": ticket_id,
                "action": "update",
                "status": "Failed",
                "success": False,
                "error": str(exc.body.get("error", "Failed")),
                "details": str(exc.body.get("description", "")),
            }
        return {"id": ticket_id, "action": "update", "status": "Updated", "success": True}


def document(job: Job, base_url: str) -> dict[str, Any]:
    """``JobStatusObject`` as recorded: id, url, total, progress, status, message, results."""
    message = None
    if job.completed_at is not None:
        message = f"Completed at {iso(job.completed_at).replace('T', ' ').rstrip('Z')} +0000"
    return {
        "id": job.id,
        "url": f"{base_url}/api/v2/job_statuses/{job.id}.json",
        "total": len(job.work),
        "progress": job.progress,
        "status": job.status,
        "message": message,
        "results": job.results,
    }
