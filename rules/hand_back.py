"""Hand back after 2 hours.

The agreement (seed 004): "If resolving an ticket takes more than 2 hours, it should be
returned to ISPnext. ISPnext will then consult with the partner and customer to determine
the next steps for handling the ticket." And: "To transfer the ticket back to ISP after
your analysis, set the assignee back to the ISPnext agent who assigned the call to you."

A ticket still unsolved in a partner group ``after`` (2 h; optionally counted in business
hours) after its episode began, or whose tracked time ("Total time spent (sec)", since the
episode began or in all) reached ``tracked_limit``, goes back: to the ISPnext group it
came from (else the first configured), assigned to the ISPnext agent who assigned it (the
author of the episode's audit); failing that, to the previous assignee if ISPnext staff;
failing that, to the group alone. Light agents, inactive users and the worker are never
chosen. An internal note says why and for how long the partner had it. Once per episode:
handing back ends the episode, and a ticket sent to a partner again starts a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from rules.actions import AddNote, Assign, Json
from rules.config import HandBackConfig, RulesConfig
from rules.decision import Decision, Facts, Finding, Rule, because, decision_key, no
from rules.episode import Episode, episode_at, episode_start, total_after
from rules.model import RESOLVED, TicketView, UserKind
from rules.template import format_duration, format_time, render

NAME = "hand_back"
_NONE = timedelta()


def hand_back(view: TicketView, config: RulesConfig, now: datetime) -> Finding:
    """Return a ticket to ISPnext once the partner has had it too long."""
    if view.status in RESOLVED:
        return no(f"the ticket is {view.status}", {"status": view.status})
    if view.group_id not in config.account.partner_group_ids:
        return no("the ticket is not in a partner group", {"group_id": view.group_id})
    start = episode_start(view)
    if start is None:
        return no("no audit shows when the ticket entered its partner group")
    settings = config.hand_back
    spent = _time_in_group(view.audits[start].created_at, settings, now)
    reason = _why(view, start, settings, spent)
    if reason is None:  # the usual answer: explained only when someone asks
        return (), partial(_not_yet, view, start, settings, now)
    tracked = _tracked(view, start, settings)
    episode = episode_at(view, start)
    facts = _facts(view, episode, settings, now=now, spent=spent, tracked=tracked)
    if not config.account.ispnext_groups:
        return no("no ISPnext group is configured to hand back to", facts)
    decision = _decide(view, config, episode, facts=facts, reason=reason, spent=spent)
    return (decision,), because(reason, facts)


def next_due(view: TicketView, config: RulesConfig, now: datetime) -> datetime | None:
    """When the time in the partner group will reach the limit, if that is still ahead."""
    if view.status in RESOLVED or view.group_id not in config.account.partner_group_ids:
        return None
    start = episode_start(view)
    if start is None:
        return None
    due = _due_at(view.audits[start].created_at, config.hand_back)
    return due if due is not None and due > now else None


def _not_yet(
    view: TicketView, start: int, settings: HandBackConfig, now: datetime
) -> tuple[str, Facts]:
    episode = episode_at(view, start)
    spent = _time_in_group(episode.started_at, settings, now)
    tracked = _tracked(view, start, settings)
    reason = f"not due yet: {format_duration(spent)} of {_limit(settings)}"
    return reason, _facts(view, episode, settings, now=now, spent=spent, tracked=tracked)


RULE = Rule(NAME, "hand_back", hand_back, next_due)


def _decide(
    view: TicketView,
    config: RulesConfig,
    episode: Episode,
    *,
    facts: dict[str, Json],
    reason: str,
    spent: timedelta,
) -> Decision:
    group_id, agent_id, source = choose_target(view, episode)
    directory, account = view.directory, config.account
    settings = config.hand_back
    group = account.group_name(group_id)
    partner = episode.group_id
    agent = (
        directory.name(agent_id)
        if agent_id
        else render(config.template("hand_back", "no_agent", partner), {"group": group})
    )
    note = render(
        config.template("hand_back", "note", partner),
        {
            "partner": account.group_name(episode.group_id),
            "group": group,
            "agent": agent,
            "assigner": directory.name(episode.started_by),
            "since": format_time(episode.started_at, config.time_zone),
            "duration": format_duration(spent),
            "minutes": int(spent.total_seconds() // 60),
            "limit": _limit(settings),
            "tracked": _seconds(facts["tracked_seconds"]),
            "reason": reason,
        },
    )
    chosen = {"hand_back_group_id": group_id, "hand_back_agent_id": agent_id, "chosen": source}
    key = decision_key(NAME, view.id, f"episode-{episode.audit_id}")
    actions = (Assign(group_id, agent_id), AddNote(note))
    return Decision(key, NAME, view.id, actions, {**facts, "reason": reason, **chosen})


def choose_target(view: TicketView, episode: Episode) -> tuple[int, int | None, str]:
    """(group, agent or None, which fallback chose them) for handing ``view`` back."""
    directory = view.directory
    account = directory.account
    ispnext = [group.id for group in account.ispnext_groups]
    came_from = episode.came_from_group_id
    group_id = came_from if came_from in ispnext and came_from is not None else ispnext[0]
    candidates = (
        ("assigner", episode.started_by),
        ("previous assignee", episode.previous_assignee_id),
    )
    for source, user_id in candidates:
        user = directory.users.get(user_id) if user_id is not None else None
        if user is None or not user.assignable or directory.kind(user_id) is not UserKind.ISPNEXT:
            continue
        if group_id in user.group_ids:
            return group_id, user.id, source
        # The agent matters more than the group: use one of their ISPnext groups.
        return next(g for g in ispnext if g in user.group_ids), user.id, source
    return group_id, None, "group alone"


def _why(view: TicketView, start: int, settings: HandBackConfig, spent: timedelta) -> str | None:
    """Why the ticket goes back now, or None while it may stay."""
    if spent >= settings.after:
        return f"its time in the partner group reached {_limit(settings)}"
    limit = settings.tracked_limit
    total = view.time_spent_total
    if limit is None or total is None or total < limit.total_seconds():
        return None  # the usual answer, and cheap: the episode's share is at most the Total
    tracked = _tracked(view, start, settings)
    if tracked is not None and tracked >= limit.total_seconds():
        return f"the time tracked on it ({_seconds(tracked)}) reached {format_duration(limit)}"
    return None


def _due_at(started: datetime, settings: HandBackConfig) -> datetime | None:
    hours = settings.business_hours
    if hours is None:
        return started + settings.after
    return hours.reach(started, settings.after)


def _time_in_group(started: datetime, settings: HandBackConfig, now: datetime) -> timedelta:
    hours = settings.business_hours
    if hours is None:
        return now - started if now > started else _NONE
    return hours.elapsed(started, now)


def _tracked(view: TicketView, start: int, settings: HandBackConfig) -> int | None:
    """Seconds tracked on the ticket, since the episode began at ``view.audits[start]`` or in
    all; None without Time Tracking."""
    field = view.directory.account.total_time_field
    if view.time_spent_total is None or field is None:
        return None
    if settings.tracked_scope == "ticket":
        return view.time_spent_total
    return max(view.time_spent_total - total_after(view.audits, start, field), 0)


def _facts(
    view: TicketView,
    episode: Episode,
    settings: HandBackConfig,
    *,
    now: datetime,
    spent: timedelta,
    tracked: int | None,
) -> dict[str, Json]:
    due = _due_at(episode.started_at, settings)
    limit = settings.tracked_limit
    return {
        "episode_audit_id": episode.audit_id,
        "episode_started_at": episode.started_at.isoformat(),
        "episode_started_by": episode.started_by,
        "episode_started_by_kind": view.directory.kind(episode.started_by),  # a str
        "partner_group_id": episode.group_id,
        "minutes_in_group": int((now - episode.started_at).total_seconds() // 60),
        "business_minutes_in_group": (
            int(spent.total_seconds() // 60) if settings.business_hours else None
        ),
        "limit_minutes": int(settings.after.total_seconds() // 60),
        "due_at": due.isoformat() if due else None,
        "tracked_seconds": tracked,
        "tracked_limit_seconds": int(limit.total_seconds()) if limit else None,
    }


def _limit(settings: HandBackConfig) -> str:
    text = format_duration(settings.after)
    return f"{text} of business hours" if settings.business_hours else text


def _seconds(value: Json) -> str:
    return format_duration(timedelta(seconds=value)) if isinstance(value, int) else "no time"
