"""The engine: run every enabled rule over ticket views at an explicit ``now``.

Pure: no clock, no I/O. ``decide`` is what a cycle calls; ``explain`` is what
``zdsync explain TICKET`` prints; ``before_go_live`` is what a first run leaves alone;
``next_due`` is what the store keeps per ticket so a
cycle evaluates only tickets that changed or whose time has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from rules import follow_up, hand_back, submit_as_open, time_entry_note
from rules.config import RulesConfig
from rules.decision import Decision, Rule, Verdict, because
from rules.model import TicketView

#: In the order their actions are merged into one update per ticket.
RULES: tuple[Rule, ...] = (
    hand_back.RULE,
    submit_as_open.RULE,
    time_entry_note.RULE,
    follow_up.RULE,
)


def decide(views: Iterable[TicketView], config: RulesConfig, now: datetime) -> list[Decision]:
    """Every decision the enabled rules make for ``views`` at ``now`` (timezone-aware).

    Only tickets in a configured group (ISPnext or partner) are acted on: one that left
    them is mirrored so that it stops being acted on. Deciding again over the same views
    gives the same decisions with the same keys.
    """
    _check_now(now)
    checks = [rule.check for rule in RULES if rule.enabled(config)]
    account = config.account
    decisions: list[Decision] = []
    for view in views:
        if view.directory.account is not account:
            _check_view(view, config)
        if view.group_id not in account.group_ids:
            continue  # it left the configured groups: no longer ours to act on
        for check in checks:
            made = check(view, config, now)[0]
            if made:
                decisions.extend(made)
    return decisions


def before_go_live(
    views: Iterable[TicketView], config: RulesConfig, now: datetime
) -> list[Decision]:
    """The decisions the rules would make for ``views`` if every change counted, but do
    not make because what caused them came before go-live (``act_on_changes_since``):
    what a first run leaves alone, for ``decide --dry-run`` to show."""
    if config.act_on_changes_since is None:
        return []
    views = list(views)
    made = {decision.key for decision in decide(views, config, now)}
    everything = replace(config, act_on_changes_since=None)
    return [d for d in decide(views, everything, now) if d.key not in made]


def explain(view: TicketView, config: RulesConfig, now: datetime) -> list[Verdict]:
    """For every rule, in order: fired (with its decisions) or why not, and the facts used."""
    _check_now(now)
    _check_view(view, config)
    verdicts = []
    outside = view.group_id not in config.account.group_ids
    for rule in RULES:
        if not rule.enabled(config):
            reason = f"disabled in the configuration (rules.{rule.section}.enabled)"
            verdicts.append(Verdict(rule.name, because(reason)))
        elif outside:
            reason = "the ticket is not in an ISPnext or partner group: zdsync leaves it alone"
            verdicts.append(Verdict(rule.name, because(reason, {"group_id": view.group_id})))
        else:
            verdicts.append(rule.verdict(view, config, now))
    return verdicts


def next_due(view: TicketView, config: RulesConfig, now: datetime) -> datetime | None:
    """When a time-based rule will next become true for ``view`` if nothing else changes
    (None: never, by time alone)."""
    _check_now(now)
    _check_view(view, config)
    moments = [
        moment
        for rule in RULES
        if rule.due is not None and rule.enabled(config)
        for moment in (rule.due(view, config, now),)
        if moment is not None
    ]
    return min(moments, default=None)


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")


def _check_view(view: TicketView, config: RulesConfig) -> None:
    # A directory classifies users by its account's groups; another account's would
    # silently treat partners as strangers.
    account = view.directory.account
    if account is not config.account and account != config.account:
        raise ValueError(
            f"ticket {view.id}: its directory was built for another account than the "
            "rules configuration's (build both from the same Account)"
        )
