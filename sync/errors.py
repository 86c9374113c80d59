"""The errors zdsync raises, as one tree, so callers catch by meaning, not by library.

    WorkerError
    ├── ConfigError              bad settings at start-up; lists every problem; exit code 2
    ├── StoreError               the local database is unreachable or its schema is behind
    ├── NotInCassette            a replay asked for a request its cassette does not hold
    ├── LockHeld                 another run holds the worker lock; exit code 3
    ├── StopRequested            a signal or the cycle's deadline: stop at a safe boundary
    └── ZendeskError
        ├── ZendeskUnavailable   retryable: connection, timeout, 5xx, malformed body
        │   └── ZendeskRateLimited   429; carries retry_after (seconds)
        ├── PaginationLoop       a listing repeats a page or a cursor; not retried
        ├── DirectoryIncomplete  some directory listings failed; carries those read
        └── ZendeskRejected      4xx; carries status and body; not retried
            ├── ZendeskAccessDenied  401 / 403: the worker's credentials or permissions
            ├── TicketConflict   409 from a safe update: an agent changed the ticket meanwhile
            └── TicketNotFound   404

``is_outage`` splits the tree the other way, by whose problem it is: the account's or the
network's (unavailable, throttled, answer lost, access denied), or the request's (any other
4xx: Zendesk judged this very change).

Only adapters/zendesk knows zenpy's and requests' exceptions; it translates them into
this tree (chained with ``from``) in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sync.records import Directory


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


class StoreUnusable(StoreError):
    """What ``ZDSYNC_DATABASE_URL`` names cannot be the store, and will not become one by
    waiting: an unparseable URL, another database than SQLite or PostgreSQL, a SQLite file
    that is not a database or whose folder cannot be created, a PostgreSQL database that
    does not exist or refuses the user. A configuration problem: exit 2."""


class StoreUnreachable(StoreError):
    """The database server did not answer when the store was opened (down, a wrong host or
    port). At start-up a configuration problem for a command (exit 2); the daemon waits for
    it, as for an outage."""


class NotInCassette(WorkerError):
    """A replay (``zdsync replay``) asked for a request the cassette holds no answer for.

    Not a ZendeskError on purpose: the pull must not log it and carry on with half a
    mirror; the replay stops, naming the request."""


class LockHeld(WorkerError):
    """Another zdsync process holds the worker lock of this database (a daemon replica,
    an operator's ``zdsync once``, an overlapping cron run): nothing was done. Exit code 3."""


class StopRequested(WorkerError):
    """The run was asked to stop (SIGTERM, SIGINT, the cycle's deadline) while it waited
    to send a request: nothing more is sent, and the step it came from stops at the
    boundary it is at (``sync.stopping``)."""


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


class TicketUnreadable(ZendeskUnavailable):
    """Zendesk answered with a ticket that cannot be read (missing fields, an unknown
    status): ``reason`` says what is wrong with it. The pull keeps reading it again."""

    def __init__(self, message: str, *, reason: str, maybe_applied: bool = False) -> None:
        super().__init__(message, maybe_applied=maybe_applied)
        self.reason = reason


class ZendeskRateLimited(ZendeskUnavailable):
    """429 Too Many Requests: wait ``retry_after`` seconds before the next request."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PaginationLoop(ZendeskError):
    """A listing answers with a page or a cursor it already gave: following it would loop.

    Deterministic: asking again gets the same answer, so the retry policy does not retry
    it (a retry would only spend six requests and the backoff to fail the same way)."""


class DirectoryIncomplete(ZendeskError):
    """Some listings of the directory failed (after retries), the others were read.

    ``partial`` is the directory with what was read (the failed listings empty);
    ``failures`` names each failed listing by its ``Directory`` field ("users",
    "groups", ...) with its error, so the caller can keep the stored copy of just those."""

    def __init__(self, partial: Directory, failures: Mapping[str, ZendeskError]) -> None:
        self.partial = partial
        self.failures = dict(failures)
        named = "; ".join(f"the {name} listing: {exc}" for name, exc in self.failures.items())
        super().__init__(f"{len(self.failures)} directory listing(s) failed: {named}")


class ZendeskRejected(ZendeskError):
    """Zendesk refused the request (4xx other than 429). Retrying the same request won't help."""

    def __init__(self, message: str, *, status: int, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ZendeskAccessDenied(ZendeskRejected):
    """401 or 403: Zendesk refuses the worker's credentials or its user lacks a permission.
    Nothing will work until an operator fixes the account: stop, never blame a change."""


class TicketConflict(ZendeskRejected):
    """409 from a safe update: the ticket changed since we read it. Re-pull, never overwrite."""


class TicketNotFound(ZendeskRejected):
    """404: the ticket (or other record) does not exist or was deleted."""


def is_outage(exc: BaseException) -> bool:
    """True when the account or the network failed, not the request: Zendesk unavailable
    (5xx, timeouts, connection errors, a lost answer) or throttling us (429), or refusing
    the worker's access (401, 403). Such an error says nothing about the change that met
    it, so it must never count against it."""
    return isinstance(exc, ZendeskUnavailable | ZendeskAccessDenied)
