"""Going live (``rules.act_on_changes_since``): the instant the rules judge changes by.

``first-run`` (the default) takes the instant the first pull of an empty mirror began, which
pull records once (``sync.pull.step.FIRST_PULL_KEY``); a mirror first pulled before zdsync
recorded it has no go-live instant, so nothing changes for an installation that was already
running. An ISO time in the configuration wins over both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rules.config import RulesConfig
from sync.ports import MirrorStore
from sync.pull.step import FIRST_PULL_KEY


@dataclass(frozen=True)
class GoLive:
    """The go-live instant (``rules.act_on_changes_since``) and where it comes from."""

    instant: datetime | None
    #: "configured" (an ISO time), "first pull" (``first-run``), or "none" (``first-run`` on
    #: a mirror first pulled before zdsync recorded when: every change is acted on).
    source: str

    @classmethod
    def of(cls, config: RulesConfig) -> GoLive:
        instant = config.act_on_changes_since
        if not config.go_live_at_first_pull:
            return cls(instant, "configured")
        return cls(instant, "first pull" if instant else "none")

    def describe(self) -> str:
        if self.instant is None:
            return (
                "none: every change is acted on (this mirror's first pull was not recorded; "
                "set rules.act_on_changes_since to an ISO time to draw the line)"
            )
        shown = self.instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.source == "configured":
            return f"{shown} (rules.act_on_changes_since)"
        return f"{shown} (when the first pull began; rules.act_on_changes_since: first-run)"


def first_pull(store: MirrorStore) -> datetime | None:
    """When the mirror's first pull began (None: a mirror older than the record of it)."""
    stored = store.read_state(FIRST_PULL_KEY)
    return datetime.fromisoformat(stored) if stored else None
