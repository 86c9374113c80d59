"""Going live: the event rules act on changes after an instant, never on history.

A first run on a real account mirrors months of audits. Judging them all would revert
partners' status changes from last week, ask for notes on old time entries and create
follow-ups for tickets marked long ago. So Submit as Open, the time-entry note and the
follow-up act only on audits after ``RulesConfig.act_on_changes_since``; the hand back is
not bound by it, because it judges the ticket as it stands now (time counts from when the
partner got it, however long ago that was).
"""

from __future__ import annotations

from datetime import datetime

from rules.config import RulesConfig
from rules.template import format_time


def before_go_live(config: RulesConfig, what: str, moment: datetime, by: str | None = None) -> str:
    """Why ``what``, made at ``moment`` (by the person named ``by``), is not acted on: it
    came before go-live. ``the last status change (Alice Acme, 2025-01-06 10:00 UTC) came
    before go-live (...)``."""
    since = config.act_on_changes_since
    shown = format_time(since, config.time_zone) if since else "go-live"
    when = format_time(moment, config.time_zone)
    made = f"{by}, {when}" if by else when
    return f"{what} ({made}) came before go-live ({shown}): zdsync does not act on history"
