"""Decide: local model -> outbox. Step two of the cycle (pull -> decide -> push).

1. read what the rules need besides the tickets: the worker's user id (stored by pull),
   the directory and the Time Tracking field ids; without a pull there is nothing to
   decide on, and ``decide`` says so;
2. ask the store for the candidates: tickets written since the last recorded decide mark,
   plus tickets whose next due time has come. Nothing changed and nothing due: no ticket
   is loaded or evaluated, so a cycle costs what changed, not the size of the mirror;
3. load them in batches, build their views, run ``rules.engine.decide`` and compute each
   one's next due time (when a time-based rule will become true with no other change: the
   ticket is a candidate again then, so a hand back acts within a cycle of its threshold);
4. enqueue the decisions under their keys, set the due times and record the mark, in one
   transaction (deciding twice enqueues once). A dry run stops before this and writes
   nothing.

When the rules' configuration or the directory changed since the last decide, every
ticket is evaluated once: due times computed under the old parameters may be wrong.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, partial
from typing import Protocol

from rules import engine
from rules.config import RulesConfig
from rules.decision import Decision, Verdict
from rules.model import Directory as RulesDirectory
from rules.model import TicketView
from sync.config import Settings
from sync.decide.fingerprint import fingerprint
from sync.decide.go_live import GoLive, first_pull
from sync.decide.views import build_views, rules_directory, ticket_view
from sync.errors import WorkerError
from sync.fields import resolve_fields
from sync.ports import Clock, DecisionStore, MirrorStore
from sync.pull.directory import ME_PATH, WORKER_ID_KEY, never_read
from sync.records import OutboxEntry

log = logging.getLogger("sync.decide")  # named after the step: what operators filter on

#: Fingerprint of the rules' configuration and directory the last decide ran with.
CONTEXT_KEY = "decide.context"
#: Tickets loaded and evaluated at a time (bounds memory when everything is evaluated).
BATCH = 1_000


class Store(MirrorStore, DecisionStore, Protocol):
    """The local model as decide uses it: both ports of the one store."""


class NotPulledYet(WorkerError):
    """The mirror holds no worker id or no directory: run a pull (``zdsync sync``) first."""


class NotMirrored(WorkerError):
    """The ticket asked about is not in the local mirror, or the rules cannot read it."""


@dataclass(frozen=True)
class TicketExplanation:
    """What ``zdsync explain TICKET`` prints."""

    ticket_id: int
    now: datetime
    #: Every rule, in engine order: fired (with its decisions) or why not, with its facts.
    verdicts: list[Verdict]
    #: When a time-based rule will next become true if nothing else changes.
    next_due: datetime | None
    outbox: list[OutboxEntry]
    #: The go-live instant the rules judged by, and where it comes from.
    go_live: GoLive


@dataclass(frozen=True)
class DecideContext:
    """What the rules read besides the tickets, for one decide."""

    config: RulesConfig
    directory: RulesDirectory
    #: Changes when anything above changes (see ``fingerprint``).
    fingerprint: str

    @property
    def go_live(self) -> GoLive:
        return GoLive.of(self.config)


@dataclass(frozen=True)
class DecisionLine:
    """A decision as the CLI shows it: whether it was new to the outbox, and why it fired
    (worked out when asked: a daemon's cycle never asks)."""

    decision: Decision
    new: bool
    explain: Callable[[], str] = field(repr=False, compare=False)

    @property
    def why(self) -> str:
        return self.explain()


@dataclass
class DecideReport:
    now: datetime
    dry_run: bool
    #: Set when there was nothing to decide on (no pull yet); nothing was done.
    problem: str | None = None
    #: Every ticket was evaluated (configuration or directory changed, or a first decide).
    everything: bool = False
    candidates: int = 0
    evaluated: int = 0
    #: Tickets that could not be turned into views (logged with the reason).
    skipped: list[int] = field(default_factory=list)
    lines: list[DecisionLine] = field(default_factory=list)
    #: Dry runs: what the rules would do if every change counted, but leave alone because
    #: its cause came before go-live (the why says so).
    before_go_live: list[DecisionLine] = field(default_factory=list)
    go_live: GoLive | None = None
    seconds: float = 0.0

    @property
    def new(self) -> int:
        return sum(1 for line in self.lines if line.new)

    @property
    def already_queued(self) -> int:
        return len(self.lines) - self.new

    def counts(self) -> dict[str, int]:
        """The figures of the summary, for structured logs and ``--json``."""
        return {
            "candidates": self.candidates, "evaluated": self.evaluated,
            "skipped": len(self.skipped), "decisions": len(self.lines), "new": self.new,
            "already_queued": self.already_queued,
        }  # fmt: skip

    def log_fields(self) -> dict[str, object]:
        return {"step": "decide", "counts": self.counts(), "duration_s": round(self.seconds, 3)}

    def summary(self) -> str:
        if self.problem:
            return f"nothing decided: {self.problem}"
        mode = " (dry run: nothing written)" if self.dry_run else ""
        scope = ", every ticket re-evaluated" if self.everything else ""
        history = f", {len(self.before_go_live)} before go-live" if self.before_go_live else ""
        return (
            f"{self.candidates} candidate(s){scope}, {self.evaluated} evaluated, "
            f"{len(self.skipped)} skipped, {len(self.lines)} decision(s): {self.new} new, "
            f"{self.already_queued} already queued{history}, "
            f"{self.seconds * 1000:.0f} ms{mode}"
        )


def decide(
    store: Store, settings: Settings, clock: Clock, *, dry_run: bool = False
) -> DecideReport:
    """Evaluate the tickets that changed or are due, and enqueue what the rules decide."""
    started = time.perf_counter()
    now = clock.now()
    report = DecideReport(now=now, dry_run=dry_run)
    try:
        context = load_context(store, settings)
    except NotPulledYet as exc:
        report.problem = str(exc)
        log.warning("decide: %s", report.summary(), extra=report.log_fields())
        return report
    report.go_live = context.go_live
    report.everything = store.read_state(CONTEXT_KEY) != context.fingerprint
    ids, mark = store.decide_candidates(now, everything=report.everything)
    report.candidates = len(ids)
    entries, next_due = _evaluate(store, context, ids, now, report)
    if dry_run:
        queued = _queued_keys(store, {entry.ticket_id for entry in entries})
        new = {entry.key for entry in entries} - queued
    else:
        new = set(store.record_decisions(entries, next_due=next_due, mark=mark))
        if report.everything:
            # After the decisions: a crash in between only means evaluating all once more.
            store.write_state(CONTEXT_KEY, context.fingerprint)
    report.lines = [replace(line, new=line.decision.key in new) for line in report.lines]
    report.seconds = time.perf_counter() - started
    _log_new(report)
    log.info("decide: %s", report.summary(), extra=report.log_fields())
    return report


def _log_new(report: DecideReport) -> None:
    """One line per decision new to the outbox: what operators search for by ticket."""
    verb = "would queue" if report.dry_run else "queued"
    for line in report.lines:
        if line.new:
            decision = line.decision
            log.info("ticket %d: %s %s", decision.ticket_id, verb, decision.key, extra={
                "step": "decide", "ticket_id": decision.ticket_id, "rule": decision.rule,
                "key": decision.key})  # fmt: skip


def load_context(store: Store, settings: Settings) -> DecideContext:
    """The rules' configuration with the account's ids, and the directory, as stored by
    the last pull. Raises ``NotPulledYet`` when the mirror lacks either."""
    stored = store.read_state(WORKER_ID_KEY) or ""
    if not stored.isdigit():
        raise NotPulledYet(_not_pulled(f"the worker's user id (GET {ME_PATH})"))
    unread = never_read(store)
    if unread:
        # Without them nobody is known as a partner user or as ISPnext staff.
        raise NotPulledYet(
            "the local mirror has no good copy yet of " + "; ".join(unread) + ". Decide needs "
            "who is a partner user and who is ISPnext staff: fix what the error says (`zdsync "
            "check` reads every listing), then run `zdsync sync`"
        )
    records = store.load_directory()
    if not records.users:
        raise NotPulledYet(_not_pulled("the directory of users and groups"))
    ids = resolve_fields(records.ticket_fields, settings.system_field)
    config = settings.rules_for(worker_id=int(stored), total_time=ids.total_time, system=ids.system)
    config = config.with_first_pull(first_pull(store))
    directory = rules_directory(records, config.account)
    return DecideContext(config, directory, fingerprint(config, directory))


def explain(store: Store, settings: Settings, clock: Clock, ticket_id: int) -> TicketExplanation:
    """For one mirrored ticket, every rule's verdict at the clock's now, its next due time
    and its outbox entries. Raises ``NotPulledYet`` or ``NotMirrored``."""
    context = load_context(store, settings)
    now = clock.now()
    bundles = store.load_bundles([ticket_id])
    if not bundles:
        raise NotMirrored(
            f"ticket {ticket_id} is not in the local mirror (only tickets of the partner "
            "groups are mirrored; run `zdsync sync` to refresh)"
        )
    try:
        view = ticket_view(bundles[0], context.directory)
    except (ValueError, TypeError) as exc:
        raise NotMirrored(f"ticket {ticket_id} cannot be read by the rules: {exc}") from exc
    return TicketExplanation(
        ticket_id=ticket_id,
        now=now,
        verdicts=engine.explain(view, context.config, now),
        next_due=engine.next_due(view, context.config, now),
        outbox=store.outbox(ticket_id=ticket_id),
        go_live=context.go_live,
    )


def _not_pulled(missing: str) -> str:
    return (
        f"the local mirror does not hold {missing} yet: run `zdsync sync` first "
        "(decide works on the mirror a pull leaves)"
    )


def _evaluate(
    store: Store, context: DecideContext, ids: Sequence[int], now: datetime, report: DecideReport
) -> tuple[list[OutboxEntry], dict[int, datetime | None]]:
    """Decisions as outbox entries and the next due time of every candidate, batch by
    batch."""
    config = context.config
    entries: list[OutboxEntry] = []
    next_due: dict[int, datetime | None] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        views, skipped = build_views(store.load_bundles(chunk), context.directory)
        report.evaluated += len(views)
        report.skipped += skipped
        # A candidate not viewed (gone, or unreadable) waits for its next change.
        next_due.update(dict.fromkeys(chunk))
        by_id = {view.id: view for view in views}
        for view in views:
            next_due[view.id] = engine.next_due(view, config, now)
        explainers: dict[int, Callable[[Decision], str]] = {}
        for decision in engine.decide(views, config, now):
            entries.append(outbox_entry(decision, now))
            report.lines.append(_line(decision, explainers, by_id, config, now))
        if report.dry_run:
            for decision in engine.before_go_live(views, config, now):
                report.before_go_live.append(_line(decision, explainers, by_id, config, now))
    return entries, next_due


def _line(
    decision: Decision,
    explainers: dict[int, Callable[[Decision], str]],
    views: Mapping[int, TicketView],
    config: RulesConfig,
    now: datetime,
) -> DecisionLine:
    ticket_id = decision.ticket_id
    if ticket_id not in explainers:
        explainers[ticket_id] = _why(views[ticket_id], config, now)
    return DecisionLine(decision, False, partial(explainers[ticket_id], decision))


def _why(view: TicketView, config: RulesConfig, now: datetime) -> Callable[[Decision], str]:
    """The reason given for a decision of ``view`` (one explain per ticket): the verdict
    that made it, else its rule's (why a decision held back before go-live is not made)."""

    @cache
    def reasons() -> tuple[dict[str, str], dict[str, str]]:
        verdicts = engine.explain(view, config, now)
        by_key = {d.key: verdict.reason for verdict in verdicts for d in verdict.decisions}
        return by_key, {verdict.rule: verdict.reason for verdict in verdicts}

    def why(decision: Decision) -> str:
        by_key, by_rule = reasons()
        return by_key.get(decision.key) or by_rule.get(decision.rule, "")

    return why


def outbox_entry(decision: Decision, now: datetime) -> OutboxEntry:
    """A decision as the outbox keeps it, decided at ``now``."""
    return OutboxEntry(
        key=decision.key,
        ticket_id=decision.ticket_id,
        rule=decision.rule,
        actions=tuple(action.to_dict() for action in decision.actions),
        facts=dict(decision.facts),
        decided_at=now,
    )


def _queued_keys(store: Store, ticket_ids: set[int]) -> set[str]:
    return {entry.key for t in sorted(ticket_ids) for entry in store.outbox(ticket_id=t)}
