"""``zdsync status`` writes its durations (the export's lag, a cycle's age) as people do."""

from __future__ import annotations

import pytest

from sync.cli.status_command import _duration

CASES = [
    (None, "?"),
    (42.4, "42s"),
    (125, "2m 05s"),
    (2 * 3600 + 65, "2h 01m"),
    (23 * 3600 + 59 * 60, "23h 59m"),
    (24 * 3600, "1 d 0 h"),
    (15322 * 3600 + 32 * 60, "638 d 10 h"),
]


@pytest.mark.parametrize(("seconds", "shown"), CASES, ids=[row[1] for row in CASES])
def test_durations_over_a_day_read_as_days_and_hours(seconds: float | None, shown: str) -> None:
    assert _duration(seconds) == shown
