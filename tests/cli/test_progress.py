"""The pull's progress: redrawn a few times a second at most on a TTY, log lines kept off the
bar's line, a sparse line now and then elsewhere."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from sync.cli.progress import LINE_EVERY_AUDITS, REDRAWS_PER_SECOND, ProgressBar


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _draws(output: str, phase: str) -> int:
    return sum(1 for segment in output.replace("\n", "\r").split("\r") if segment.startswith(phase))


def test_a_tty_bar_is_redrawn_at_most_a_few_times_a_second() -> None:
    stream, clock = io.StringIO(), FakeMonotonic()
    with ProgressBar(stream, tty=True, monotonic=clock) as bar:
        for done in range(1, 1001):  # a thousand tickets within one instant...
            bar.audits_progress(done, 2000)
        clock.now += 1.0
        for done in range(1001, 2001):  # ...and a thousand more over the next second
            clock.now += 1.0 / 1000
            bar.audits_progress(done, 2000)
    drawn = _draws(stream.getvalue(), "audits")
    # The first update, REDRAWS_PER_SECOND in the second second, the last, and the close.
    assert drawn <= 1 + REDRAWS_PER_SECOND + 2 + 1
    assert "2,000/2,000 ticket(s)" in stream.getvalue()


def test_log_lines_go_above_the_bar_not_onto_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)  # where the console handler writes
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("LOG %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        clock = FakeMonotonic()
        with ProgressBar(stream, tty=True, monotonic=clock) as bar:
            bar.audits_progress(1, 3)
            logging.getLogger("sync.pull").warning("audits of ticket 7 failed")
            clock.now += 1
            bar.audits_progress(3, 3)
        logging.getLogger("sync.pull").warning("after the bar")
    finally:
        root.removeHandler(handler)
    lines = [line.rsplit("\r", 1)[-1] for line in stream.getvalue().split("\n")]
    assert "LOG audits of ticket 7 failed" in lines  # a line of its own, the bar cleared first
    assert "LOG after the bar" in lines  # the handler is back when the bar is done
    assert not any("LOG" in line and "audits " in line.split("LOG")[0] for line in lines)


def test_without_a_tty_progress_is_a_line_now_and_then() -> None:
    stream = io.StringIO()
    with ProgressBar(stream, tty=False) as bar:
        for done in range(1, 1201):
            bar.audits_progress(done, 1200)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1200 // LINE_EVERY_AUDITS + 1
    assert lines[-1] == "audits 100%  1,200/1,200 ticket(s)"
    assert "\r" not in stream.getvalue()
