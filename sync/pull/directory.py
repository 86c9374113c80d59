"""The pull's first step: the directory (users, groups, memberships, organizations, ticket
fields, custom statuses) and the worker's own user.

Refreshed when older than ``DIRECTORY_MAX_AGE`` or when asked. Each listing stands on its
own: one that fails (a 4xx, a page that repeats, a timeout after the retries) keeps the
copy of that listing read last time, the others are replaced by what was read, and the
failure is reported naming the listing. The refresh is not marked done while a listing
fails, so the next pull tries again. The worker's own id comes from ``/users/me`` alone,
so no listing can keep it from being stored.

Per listing, ``LISTINGS_KEY`` remembers when it was last read and its last failure
(``ListingState``): decide refuses to run only when a listing it cannot do without
(``REQUIRED_LISTINGS``) has never been read, and says which one and why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta

from sync.errors import DirectoryIncomplete, ZendeskAccessDenied, ZendeskError
from sync.ports import Clock, MirrorStore, ZendeskReader
from sync.records import Directory

log = logging.getLogger("sync.pull")

DIRECTORY_REFRESHED_KEY = "directory.refreshed_at"
#: The worker's own Zendesk user: the rules ignore its audits and it authors its notes.
WORKER_ID_KEY = "worker.user_id"
#: JSON {listing: ListingState} of every listing a refresh tried.
LISTINGS_KEY = "directory.listings"
DIRECTORY_MAX_AGE = timedelta(minutes=60)
ME_PATH = "/api/v2/users/me"
#: Each listing by its ``Directory`` field, with the endpoint it is read from.
LISTING_PATHS = {
    "users": "/api/v2/users", "groups": "/api/v2/groups",
    "memberships": "/api/v2/group_memberships", "organizations": "/api/v2/organizations",
    "ticket_fields": "/api/v2/ticket_fields", "custom_statuses": "/api/v2/custom_statuses",
}  # fmt: skip
#: Who is a partner user and who is ISPnext staff: without them no rule can judge anyone.
REQUIRED_LISTINGS = ("users", "memberships")


@dataclass(frozen=True)
class ListingState:
    #: The last good read (ISO-8601); None: never read.
    read_at: str | None = None
    #: The last failed read and its error; None once read again.
    failed_at: str | None = None
    error: str | None = None


def describe(listing: str) -> str:
    """``the users listing (GET /api/v2/users)``: how messages name a listing."""
    return f"the {listing} listing (GET {LISTING_PATHS.get(listing, '?')})"


def listing_states(store: MirrorStore) -> dict[str, ListingState]:
    """Per listing, as the last refreshes left it (empty before the first refresh)."""
    stored = store.read_state(LISTINGS_KEY)
    if not stored:
        return {}
    known = {f.name for f in fields(ListingState)}
    return {
        name: ListingState(**{k: v for k, v in state.items() if k in known})
        for name, state in json.loads(stored).items()
        if isinstance(state, dict)
    }


def never_read(store: MirrorStore, listings: tuple[str, ...] = REQUIRED_LISTINGS) -> list[str]:
    """Those of ``listings`` a refresh tried and never read, each described with its last
    error: what decide cannot do without. A mirror pulled before listings were tracked
    reports none (decide then checks the users it holds)."""
    states = listing_states(store)
    return [
        f"{describe(name)}: {state.error} (at {state.failed_at})"
        for name in listings
        if (state := states.get(name)) is not None and state.read_at is None
    ]


def failing_listings(store: MirrorStore) -> list[dict[str, str | None]]:
    """The listings whose last read failed, for ``zdsync status``: each with its endpoint,
    its error, when it failed and when it was last read (None: never)."""
    return [
        {"listing": name, "endpoint": f"GET {LISTING_PATHS.get(name, '?')}",
         "error": state.error, "failed_at": state.failed_at, "read_at": state.read_at}
        for name, state in listing_states(store).items()
        if state.error is not None
    ]  # fmt: skip


def refresh_directory(
    reader: ZendeskReader, store: MirrorStore, clock: Clock, *, force: bool, errors: list[str]
) -> bool:
    """Refresh what is due; failures go to ``errors``. True when every listing was read.
    Raises ``ZendeskAccessDenied`` when Zendesk refuses the worker's credentials."""
    now = clock.now()
    last = store.read_state(DIRECTORY_REFRESHED_KEY)
    if not (force or last is None or now - datetime.fromisoformat(last) >= DIRECTORY_MAX_AGE):
        return False
    store_worker_id(reader, store, errors)
    try:
        directory, failures = reader.directory(), {}
    except DirectoryIncomplete as exc:
        directory, failures = exc.partial, exc.failures
    except ZendeskAccessDenied as exc:
        errors.append(f"directory: {exc}")
        raise  # nothing will work with an access Zendesk refuses
    except ZendeskError as exc:  # a reader that reads the directory in one go
        directory, failures = Directory(), dict.fromkeys(LISTING_PATHS, exc)
    states = listing_states(store)
    _report_failures(failures, states, errors)
    if len(failures) < len(LISTING_PATHS):
        store.save_directory(_keeping(directory, failures, store))
    stamp = now.isoformat()
    for name in LISTING_PATHS:
        failed = failures.get(name)
        states[name] = (
            ListingState(read_at=stamp)
            if failed is None
            else replace(states.get(name, ListingState()), failed_at=stamp, error=str(failed))
        )
    store.write_state(LISTINGS_KEY, json.dumps({n: asdict(s) for n, s in states.items()}))
    if failures:
        return False
    store.write_state(DIRECTORY_REFRESHED_KEY, stamp)
    log.info("directory: %s", _counts(directory), extra={"step": "pull"})
    return True


def store_worker_id(reader: ZendeskReader, store: MirrorStore, errors: list[str]) -> None:
    """The worker's own id, from ``/users/me`` alone."""
    try:
        me = reader.whoami()
    except ZendeskAccessDenied as exc:
        errors.append(f"the worker's own user (GET {ME_PATH}): {exc}")
        raise
    except ZendeskError as exc:
        errors.append(f"the worker's own user (GET {ME_PATH}): {exc}")
        log.error("reading the worker's own user (GET %s) failed: %s", ME_PATH, exc,
                  extra={"step": "pull", "error": type(exc).__name__})  # fmt: skip
        return
    store.write_state(WORKER_ID_KEY, str(me.id))


def _report_failures(
    failures: Mapping[str, ZendeskError], states: Mapping[str, ListingState], errors: list[str]
) -> None:
    for name, exc in failures.items():
        read_at = states.get(name, ListingState()).read_at
        kept = f"keeping the copy read at {read_at}" if read_at else "no copy read yet"
        message = f"directory: {describe(name)} failed ({kept}): {exc}"
        errors.append(message)
        log.error("%s", message, extra={"step": "pull", "listing": name,
                                         "error": type(exc).__name__})  # fmt: skip


def _keeping(directory: Directory, failures: Mapping[str, object], store: MirrorStore) -> Directory:
    """``directory`` with the stored copy of every listing that failed."""
    if not failures:
        return directory
    stored = store.load_directory()
    return replace(directory, **{name: getattr(stored, name) for name in failures})


def _counts(directory: Directory) -> str:
    return (
        f"{len(directory.users)} users, {len(directory.groups)} groups, "
        f"{len(directory.memberships)} memberships, {len(directory.organizations)} "
        f"organizations, {len(directory.ticket_fields)} ticket fields, "
        f"{len(directory.custom_statuses)} custom statuses"
    )
