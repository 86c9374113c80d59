"""The daemon on a short interval: cycles repeat, failures don't end it, stop is warm."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sync.scheduler import Daemon


def test_cycles_repeat_until_stopped_and_the_running_cycle_finishes() -> None:
    finished: list[int] = []
    holder: dict[str, Daemon] = {}

    def job() -> None:
        if len(finished) == 2:
            holder["daemon"].stop()  # asked to stop while this cycle runs
        finished.append(len(finished))

    daemon = holder["daemon"] = Daemon(job, timedelta(milliseconds=20))
    assert daemon.run(install_signals=False) == 0
    assert finished == [0, 1, 2]  # the third cycle completed, no fourth started
    assert (daemon.cycles, daemon.failures) == (3, 0)


def test_a_failing_cycle_is_logged_and_the_daemon_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []
    holder: dict[str, Daemon] = {}

    def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("outage")
        holder["daemon"].stop()

    daemon = holder["daemon"] = Daemon(job, timedelta(milliseconds=20))
    daemon.run(install_signals=False)
    assert (daemon.cycles, daemon.failures) == (2, 1)
    assert "cycle failed" in caplog.text and "outage" in caplog.text


def test_a_stop_from_another_thread_ends_an_idle_daemon() -> None:
    daemon = Daemon(lambda: None, timedelta(hours=1))
    timer = threading.Timer(0.2, daemon.stop)
    timer.start()
    assert daemon.run(install_signals=False) == 0
    assert daemon.cycles == 1  # the immediate first cycle, then it waited


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Daemon(lambda: None, timedelta(0))
