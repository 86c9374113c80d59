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

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rules.actions import AddNote, Assign, Json
from rules.config import HandBackConfig, RulesConfig
from rules.decision import Decision, Rule, Verdict, decision_key
from rules.episode import Episode, current_episode
from rules.model import RESOLVED, TicketView, UserKind
from rules.template import format_duration, render

NAME = "hand_back"


def hand_back(view: TicketView, config: RulesConfig, now: datetime) -> Verdict:
    """Return a ticket to ISPnext once the partner has had it too long."""
    account = config.account
    if view.status in RESOLVED:
        return Verdict(NAME, f"the ticket is {view.status}", {"status": view.status})
    if view.group_id not in account.partner_group_ids:
        return Verdict(NAME, "the ticket is not in a partner group", {"group_id": view.group_id})
    episode = current_episode(view)
    if episode is None:
        reason = "no audit shows when the ticket entered its partner group"
        return Verdict(NAME, reason, {"group_id": view.group_id})
    settings = config.hand_back
    spent = _time_in_group(episode, settings, now)
    tracked = _tracked(view, episode, settings)
    facts = _facts(view, episode, settings, now=now, spent=spent, tracked=tracked)
    limit = settings.tracked_limit
    if spent >= settings.after:
        reason = f"its time in the partner group reached {_limit(settings)}"
    elif limit is not None and tracked is not None and tracked >= limit.total_seconds():
        reason = f"the time tracked on it ({_seconds(tracked)}) reached {format_duration(limit)}"
    else:
        return Verdict(NAME, f"not due yet: {format_duration(spent)} of {_limit(settings)}", facts)
    if not account.ispnext_groups:
        return Verdict(NAME, "no ISPnext group is configured to hand back to", facts)
    return Verdict(
        NAME,
        reason,
        facts,
        (_decide(view, config, episode, facts=facts, reason=reason, spent=spent),),
    )


def next_due(view: TicketView, config: RulesConfig, now: datetime) -> datetime | None:
    """When the time in the partner group will reach the limit, if that is still ahead."""
    if view.status in RESOLVED or view.group_id not in config.account.partner_group_ids:
        return None
    episode = current_episode(view)
    if episode is None:
        return None
    due = _due_at(episode, config.hand_back)
    return due if due is not None and due > now else None


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
    note = render(
        settings.note,
        {
            "partner": account.group_name(episode.group_id),
            "group": group,
            "agent": directory.name(agent_id) if agent_id else f"the group {group}",
            "assigner": directory.name(episode.started_by),
            "since": _local(episode.started_at, settings),
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


def _due_at(episode: Episode, settings: HandBackConfig) -> datetime | None:
    hours = settings.business_hours
    if hours is None:
        return episode.started_at + settings.after
    return hours.reach(episode.started_at, settings.after)


def _time_in_group(episode: Episode, settings: HandBackConfig, now: datetime) -> timedelta:
    hours = settings.business_hours
    if hours is None:
        return max(now - episode.started_at, timedelta())
    return hours.elapsed(episode.started_at, now)


def _tracked(view: TicketView, episode: Episode, settings: HandBackConfig) -> int | None:
    if view.directory.account.total_time_field_id is None or view.time_spent_total is None:
        return None
    if settings.tracked_scope == "ticket":
        return view.time_spent_total
    return max(view.time_spent_total - episode.total_at_start, 0)


def _facts(
    view: TicketView,
    episode: Episode,
    settings: HandBackConfig,
    *,
    now: datetime,
    spent: timedelta,
    tracked: int | None,
) -> dict[str, Json]:
    due = _due_at(episode, settings)
    limit = settings.tracked_limit
    return {
        "episode_audit_id": episode.audit_id,
        "episode_started_at": episode.started_at.isoformat(),
        "episode_started_by": episode.started_by,
        "episode_started_by_kind": view.directory.kind(episode.started_by).value,
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


def _local(moment: datetime, settings: HandBackConfig) -> str:
    hours = settings.business_hours
    zone = ZoneInfo(hours.timezone) if hours else UTC
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _seconds(value: Json) -> str:
    return format_duration(timedelta(seconds=value)) if isinstance(value, int) else "no time"
