"""``zdsync check``: is everything the worker needs there, before it runs for real?

Each check says what it looked at and, when it fails, what to do. Failures make the command
exit non-zero; warnings do not (a missing Time Tracking app only disables what needs it, a
user in an ISPnext group and a partner group only escapes the partner rules). Each
directory listing is read on its own, so one that fails is named and the checks that do not
need it still run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sync.config import GroupRef, Settings
from sync.errors import DirectoryIncomplete, WorkerError, ZendeskError, ZendeskRejected
from sync.fields import LAST_UPDATE_TIME_TITLES, TOTAL_TIME_TITLES, resolve_fields
from sync.ports import ZendeskReader
from sync.pull.directory import describe
from sync.records import Directory

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    level: str
    detail: str


def check_database(describe: Callable[[], str]) -> Check:
    """``describe`` opens the database and says what schema it has, or raises WorkerError."""
    try:
        return Check("database", OK, describe())
    except WorkerError as exc:
        return Check("database", FAIL, str(exc))


def check_zendesk(reader: ZendeskReader, settings: Settings) -> list[Check]:
    try:
        me = reader.whoami()
    except ZendeskRejected as exc:
        hint = " (check ZENDESK_EMAIL and ZENDESK_TOKEN)" if exc.status == 401 else ""
        return [Check("credentials", FAIL, f"Zendesk refused them: {exc.status}{hint}")]
    except ZendeskError as exc:
        return [Check("zendesk", FAIL, f"cannot reach {settings.require_zendesk().url}: {exc}")]
    checks = [
        Check(
            "credentials",
            OK if me.role == "admin" else FAIL,
            f"signed in as {me.name} <{me.email}>, role {me.role}"
            + ("" if me.role == "admin" else " (the incremental export is for admins only)"),
        )
    ]
    try:
        directory, failed = reader.directory(), {}
    except DirectoryIncomplete as exc:
        directory, failed = exc.partial, exc.failures
    except ZendeskError as exc:
        return [*checks, Check("directory", FAIL, f"cannot read the directory: {exc}")]
    checks += [_listing_check(name, exc) for name, exc in failed.items()]
    if not failed:
        checks.append(Check("directory", OK, f"every listing read: {_counts(directory)}"))
    if not failed.keys() & {"groups", "memberships"}:
        checks += [_group_check("ISPnext group", g, directory) for g in settings.ispnext_groups]
        checks += [_group_check("partner group", g, directory) for g in settings.partner_groups]
    if not failed.keys() & {"users", "memberships"}:
        checks += overlap_checks(directory, settings, worker_id=me.id)
    if "ticket_fields" not in failed:
        checks += _field_checks(directory, settings)
    return checks


def _listing_check(name: str, exc: ZendeskError) -> Check:
    return Check(
        f"{name} listing",
        FAIL,
        f"cannot read {describe(name)}: {exc}; the worker keeps the copy it read last, "
        "and with none yet, decide cannot run",
    )


def overlap_checks(directory: Directory, settings: Settings, *, worker_id: int) -> list[Check]:
    """One warning per user in an ISPnext group and in a partner group: the rules count
    them as ISPnext staff (ISPnext's own admins are never corrected), so none of their
    updates in the partner's tickets is judged: no Submit as Open, no time-entry note."""
    ispnext = {g.id: g.name for g in settings.ispnext_groups}
    partner = {g.id: g.name for g in settings.partner_groups}
    groups_of: dict[int, set[int]] = {}
    for membership in directory.memberships:
        groups_of.setdefault(membership.user_id, set()).add(membership.group_id)
    names = {user.id: user.name for user in directory.users}
    checks = []
    for user_id in sorted(groups_of):
        in_ispnext = sorted(groups_of[user_id] & ispnext.keys())
        in_partner = sorted(groups_of[user_id] & partner.keys())
        if not in_ispnext or not in_partner or user_id == worker_id:
            continue  # the worker's own updates are ignored whatever its groups
        both = ", ".join(
            [f"ISPnext group {ispnext[g]} ({g})" for g in in_ispnext]
            + [f"partner group {partner[g]} ({g})" for g in in_partner]
        )
        checks.append(Check(
            "overlapping membership", WARN,
            f"{names.get(user_id, 'unknown user')} (id {user_id}) is in {both}: counted as "
            "ISPnext staff, so the partner rules do not judge their updates",
        ))  # fmt: skip
    return checks


def _counts(directory: Directory) -> str:
    return (
        f"{len(directory.users)} users, {len(directory.groups)} groups, "
        f"{len(directory.memberships)} memberships, {len(directory.ticket_fields)} ticket "
        f"fields, {len(directory.custom_statuses)} custom statuses, "
        f"{len(directory.organizations)} organizations"
    )


def _group_check(kind: str, ref: GroupRef, directory: Directory) -> Check:
    name = f"{kind} {ref.name}"
    group = next((g for g in directory.groups if g.id == ref.id), None)
    if group is None or group.deleted:
        return Check(name, FAIL, f"no group with id {ref.id} in Zendesk")
    members = [m.user_id for m in directory.memberships if m.group_id == ref.id]
    users = {u.id: u for u in directory.users}
    light = sum(1 for uid in members if uid in users and users[uid].is_light_agent)
    detail = f"id {ref.id}: {len(members)} member(s), {light} light agent(s)"
    if group.name != ref.name:
        return Check(name, WARN, f"{detail}; Zendesk calls it {group.name!r}")
    return Check(name, OK, detail)


def _field_checks(directory: Directory, settings: Settings) -> list[Check]:
    ids = resolve_fields(directory.ticket_fields, settings.system_field)
    checks = []
    if settings.system_field is not None:
        checks.append(
            Check("System field", OK, f"field id {ids.system}")
            if ids.system is not None
            else Check("System field", FAIL, f"no ticket field {settings.system_field!r}")
        )
    for title, found in ((TOTAL_TIME_TITLES[0], ids.total_time),
                         (LAST_UPDATE_TIME_TITLES[0], ids.last_update_time)):  # fmt: skip
        checks.append(
            Check(title, OK, f"field id {found}")
            if found is not None
            else Check(title, WARN, "not found: is the Time Tracking app installed?")
        )
    return checks
