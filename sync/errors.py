"""The errors zdsync raises, as one tree, so callers catch by meaning, not by library.

    WorkerError
    ├── ConfigError              bad settings at start-up; lists every problem; exit code 2
    ├── StoreError               the local database is unreachable or its schema is behind
    └── ZendeskError
        ├── ZendeskUnavailable   retryable: connection, timeout, 5xx, malformed body
        │   └── ZendeskRateLimited   429; carries retry_after (seconds)
        └── ZendeskRejected      4xx; carries status and body; not retried
            ├── TicketConflict   409 from a safe update: an agent changed the ticket meanwhile
            └── TicketNotFound   404

Only adapters/zendesk knows zenpy's and requests' exceptions; it translates them into
this tree (chained with ``from``) in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class WorkerError(Exception):
    """Base of every error zdsync raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One bad setting: where it came from (file key path or env var) and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ConfigError(WorkerError):
    """The configuration cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}")


class StoreError(WorkerError):
    """The local database cannot be used (unreachable, or its schema is not current)."""


class ZendeskError(WorkerError):
    """Base of everything that went wrong talking to Zendesk."""


class ZendeskUnavailable(ZendeskError):
    """A transient failure worth retrying: no connection, timeout, 5xx, a garbled body.

    ``maybe_applied`` is true when a write was sent but no answer came back (a read
    timeout after the request went out): the change may have been made, so the caller
    must check before sending it again.
    """

    def __init__(self, message: str, *, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


class ZendeskRateLimited(ZendeskUnavailable):
    """429 Too Many Requests: wait ``retry_after`` seconds before the next request."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ZendeskRejected(ZendeskError):
    """Zendesk refused the request (4xx other than 429). Retrying the same request won't help."""

    def __init__(self, message: str, *, status: int, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class TicketConflict(ZendeskRejected):
    """409 from a safe update: the ticket changed since we read it. Re-pull, never overwrite."""


class TicketNotFound(ZendeskRejected):
    """404: the ticket (or other record) does not exist or was deleted."""
