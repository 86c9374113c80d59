"""What the engine returns: decisions (to enqueue) and verdicts (to explain).

A decision's key names the rule, the ticket and what caused it (an audit, an episode, a
kind of follow-up), so deciding twice gives the same keys and the outbox, which is unique
on the key, enqueues once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple

from rules.actions import Action, Json
from rules.config import RulesConfig
from rules.model import TicketView

Facts = Mapping[str, Json]


def decision_key(rule: str, ticket_id: int, cause: str) -> str:
    """``rule:ticket:cause``, e.g. ``hand_back:4012:episode-88123``."""
    return f"{rule}:{ticket_id}:{cause}"


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    rule: str
    ticket_id: int
    actions: tuple[Action, ...]
    #: Why it fired, JSON-able: audit ids, times (ISO 8601), users, durations.
    facts: Facts

    def to_dict(self) -> dict[str, Json]:
        return {
            "key": self.key,
            "rule": self.rule,
            "ticket_id": self.ticket_id,
            "actions": [action.to_dict() for action in self.actions],
            "facts": dict(self.facts),
        }


#: Why a rule fired or not, and the facts it looked at: computed when someone asks
#: (``zdsync explain``), not on every ticket of every cycle.
Explanation = Callable[[], tuple[str, Facts]]


def because(reason: str, facts: Facts | None = None) -> Explanation:
    """An explanation already at hand (the cheap early answers of a rule)."""
    return partial(_given, reason, facts if facts is not None else {})


def _given(reason: str, facts: Facts) -> tuple[str, Facts]:
    return reason, facts


def no(reason: str, facts: Facts | None = None) -> Finding:
    """A rule's answer when it does not fire, for a reason already at hand."""
    return (), because(reason, facts)


class Verdict(NamedTuple):
    """One rule's answer for one ticket, as ``explain`` gives it: its decisions (none: it
    did not fire) and the explanation, computed each time ``reason`` or ``facts`` is read."""

    rule: str
    explanation: Explanation
    decisions: tuple[Decision, ...] = ()

    @property
    def fired(self) -> bool:
        return bool(self.decisions)

    @property
    def reason(self) -> str:
        return self.explanation()[0]

    @property
    def facts(self) -> Facts:
        return self.explanation()[1]

    def to_dict(self) -> dict[str, Json]:
        reason, facts = self.explanation()
        return {
            "rule": self.rule,
            "fired": self.fired,
            "reason": reason,
            "facts": dict(facts),
            "decisions": [decision.to_dict() for decision in self.decisions],
        }


#: What a rule returns: its decisions (usually none) and how to explain the outcome. A
#: plain pair, as cheap to build as anything can be: every rule runs for every ticket.
Finding = tuple[tuple[Decision, ...], Explanation]

Check = Callable[[TicketView, RulesConfig, datetime], Finding]
Due = Callable[[TicketView, RulesConfig, datetime], datetime | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """A business rule as the engine runs it."""

    name: str
    #: Its section of the ``rules:`` configuration (``rules.<section>.enabled``).
    section: str
    check: Check
    #: When a time-based rule will next become true; None for rules that only react.
    due: Due | None = None

    def enabled(self, config: RulesConfig) -> bool:
        enabled: bool = getattr(config, self.section).enabled
        return enabled

    def verdict(self, view: TicketView, config: RulesConfig, now: datetime) -> Verdict:
        """The rule's answer for one ticket, ready to explain."""
        decisions, explanation = self.check(view, config, now)
        return Verdict(self.name, explanation, decisions)
