"""What the engine returns: decisions (to enqueue) and verdicts (to explain).

A decision's key names the rule, the ticket and what caused it (an audit, an episode, a
kind of follow-up), so deciding twice gives the same keys and the outbox, which is unique
on the key, enqueues once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.actions import Action, Json, action_from_dict
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Read back ``to_dict``; ValueError naming the key for anything malformed."""
        try:
            key, rule, ticket_id = data["key"], data["rule"], data["ticket_id"]
            actions = tuple(action_from_dict(item) for item in data["actions"])
            facts = dict(data["facts"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"decision {data.get('key')!r}: missing or bad {error}") from None
        if not (isinstance(key, str) and isinstance(rule, str) and isinstance(ticket_id, int)):
            raise ValueError(f"decision {key!r}: key, rule and ticket_id have the wrong types")
        return cls(key, rule, ticket_id, actions, facts)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's answer for one ticket: its decisions, or why it did not fire, and the
    facts it looked at either way (what ``zdsync explain`` prints)."""

    rule: str
    reason: str
    facts: Facts
    decisions: tuple[Decision, ...] = ()

    @property
    def fired(self) -> bool:
        return bool(self.decisions)

    def to_dict(self) -> dict[str, Json]:
        return {
            "rule": self.rule,
            "fired": self.fired,
            "reason": self.reason,
            "facts": dict(self.facts),
            "decisions": [decision.to_dict() for decision in self.decisions],
        }


Check = Callable[[TicketView, RulesConfig, datetime], Verdict]
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
