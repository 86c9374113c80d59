"""The clock a command runs on: the system's, or the instant of the global ``--now TIME``
(``zdsync replay --at TIME``), so any command can run as of another time: a what-if, a
replay, or a test that moves a frozen emulator's clock and the worker's together."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sync.clock import FixedClock, RunningClock, SystemClock
from sync.ports import Clock


def parse_instant(text: str) -> datetime:
    """An ISO-8601 time; UTC unless it says otherwise (argparse ``type=``)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clock_for(args: argparse.Namespace, *, running: bool = False) -> Clock:
    """The system's clock, or with ``--now`` a clock frozen at it (one command, one
    instant); ``running`` for the daemon: it starts at ``--now`` and runs on."""
    now = getattr(args, "now", None)
    if now is None:
        return SystemClock()
    return RunningClock(now) if running else FixedClock(now)
