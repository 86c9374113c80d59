"""What a cycle leaves for operators: log records with structured fields at the right level,
how it ended in sync_state (for ``zdsync status``), and the daemon's count of failures."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from sync.cycle import LAST_CYCLE_KEY, run_cycle
from sync.errors import ZendeskAccessDenied, ZendeskUnavailable
from sync.pull.step import CAUGHT_UP_KEY, LAST_ERROR_KEY
from sync.scheduler import Daemon
from tests.sync.push_world import ALICE, World


def _records(caplog: pytest.LogCaptureFixture, step: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "step", None) == step]


def test_a_good_cycle_logs_each_step_with_its_fields_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.later(hours=3)
    caplog.set_level(logging.INFO)

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert not report.failed
    (cycle,) = _records(caplog, "cycle")
    assert (cycle.levelno, cycle.result) == (logging.INFO, "ok")
    pull_summary = [r for r in _records(caplog, "pull") if hasattr(r, "counts")]
    assert pull_summary[-1].counts["kept"] == report.pull.kept
    queued = [r for r in _records(caplog, "decide") if hasattr(r, "rule")]
    assert {(r.ticket_id, r.rule) for r in queued} == {
        (7, "hand_back"), (7, "submit_as_open")
    }  # fmt: skip
    applied = [r for r in _records(caplog, "push") if getattr(r, "outcome", None) == "applied"]
    assert len(applied) == 2 and {r.ticket_id for r in applied} == {7}
    for record in _records(caplog, "pull") + _records(caplog, "decide"):
        if hasattr(record, "counts"):
            assert isinstance(record.duration_s, float)


def test_a_failed_cycle_logs_at_warning_and_is_remembered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World()
    world.handed(7)
    world.writer.zendesk.fail_next["export"] = [ZendeskUnavailable("down")]
    caplog.set_level(logging.INFO)

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert report.failed
    (cycle,) = _records(caplog, "cycle")
    assert (cycle.levelno, cycle.result) == (logging.WARNING, "failed")
    (export_error,) = [r for r in _records(caplog, "pull") if r.levelno == logging.ERROR]
    assert export_error.error == "ZendeskUnavailable"
    last = json.loads(world.store.read_state(LAST_CYCLE_KEY) or "")
    assert (last["result"], last["ended_at"]) == ("failed", world.clock.now().isoformat())
    pull_error = json.loads(world.store.read_state(LAST_ERROR_KEY) or "")
    assert "down" in pull_error["error"]


def test_a_cycle_that_raises_is_remembered_with_its_error() -> None:
    world = World()
    world.handed(7)
    refused = ZendeskAccessDenied("401 Unauthorized: check ZENDESK_TOKEN", status=401)
    world.writer.zendesk.fail_next["whoami"] = [refused]

    with pytest.raises(ZendeskAccessDenied):
        run_cycle(world.writer, world.store, world.settings, world.clock)

    last = json.loads(world.store.read_state(LAST_CYCLE_KEY) or "")
    assert last["result"] == "failed" and last["error"].startswith("ZendeskAccessDenied: 401")


def test_the_pull_records_how_far_the_export_has_caught_up() -> None:
    world = World()
    world.handed(7)
    world.later(minutes=5)
    world.pull()
    caught_up = datetime.fromisoformat(world.store.read_state(CAUGHT_UP_KEY) or "")
    assert world.clock.now() - caught_up < timedelta(minutes=1)


@dataclass
class _Report:
    failed: bool


def test_the_daemon_counts_a_cycle_whose_report_says_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = [_Report(failed=True), _Report(failed=False)]
    holder: dict[str, Daemon] = {}

    def job() -> _Report:
        outcome = outcomes.pop(0)
        if not outcomes:
            holder["daemon"].stop()
        return outcome

    caplog.set_level(logging.INFO)
    daemon = holder["daemon"] = Daemon(job, timedelta(milliseconds=20))
    daemon.run(install_signals=False)
    assert (daemon.cycles, daemon.failures) == (2, 1)
    assert "stopped after 2 cycle(s), 1 failed" in caplog.text


def test_a_known_error_is_one_line_and_a_bug_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[Exception] = [
        ZendeskAccessDenied("401 Unauthorized: check ZENDESK_TOKEN", status=401),
        KeyError("bug"),
    ]
    holder: dict[str, Daemon] = {}

    def job() -> None:
        error = errors.pop(0)
        if not errors:
            holder["daemon"].stop()
        raise error

    daemon = holder["daemon"] = Daemon(job, timedelta(milliseconds=20))
    daemon.run(install_signals=False)
    known, bug = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert known.exc_info is None and "401 Unauthorized" in known.getMessage()
    assert known.error == "ZendeskAccessDenied"
    assert bug.exc_info is not None
    assert daemon.failures == 2
