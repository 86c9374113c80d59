"""The emulator's command line, run as a separate process like `zdsync emulator`."""

from __future__ import annotations

import argparse
import re
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from emulator.cli import add_arguments, build, per_minute
from tests.emulator.conftest import basic

ROOT = Path(__file__).resolve().parents[2]


def read_announcement(process: subprocess.Popen[str], seconds: float = 60) -> list[str]:
    """The lines printed on start (one flushed write, ending with "Press Ctrl-C")."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(seconds):
            raise AssertionError("the emulator printed nothing")
    lines = [process.stdout.readline()]
    while lines[-1] and not lines[-1].startswith("Press Ctrl-C"):
        lines.append(process.stdout.readline())
    return lines


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            "0",
            "--frozen-clock",
            "--fault",
            "status:status=503,path=/groups,nth=1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = read_announcement(process)
        url = re.search(r"serving at (http://\S+)", lines[0])
        assert url, lines
        yield process, url.group(1), lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_serves_the_demo_until_sigterm(
    served: tuple[subprocess.Popen[str], str, list[str]],
) -> None:
    process, base_url, lines = served
    assert "  ZENDESK_EMAIL=zdsync@ispnext.example\n" in lines
    assert "  ZENDESK_TOKEN=demo-token\n" in lines
    auth = {"Authorization": basic("zdsync@ispnext.example", "demo-token")}
    ticket = requests.get(f"{base_url}/api/v2/tickets/1001.json", headers=auth, timeout=10)
    assert ticket.json()["ticket"]["group_id"] == 201
    groups = [
        requests.get(f"{base_url}/api/v2/groups.json", headers=auth, timeout=10) for _ in "ab"
    ]
    assert [g.status_code for g in groups] == [503, 200]  # the --fault rule
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_a_broken_scenario_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("tickets: [{id: 1}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--port", "0", "--scenario", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr and "tickets[0]" in result.stderr


def test_options_build_the_described_emulator() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            "--generate",
            "50:5:3",
            "--port",
            "0",
            "--export-rate-limit",
            "600/min",
            "--rate-limit",
            "2500",
            "--frozen-clock",
            "--start",
            "2025-01-01T00:00:00Z",
        ]
    )
    emulator = build(args)
    assert len(emulator.scenario.tickets) == 50
    assert emulator.rate_limits.export_per_minute == 600
    assert emulator.rate_limits.account_per_minute == 2500
    assert emulator.clock.frozen and emulator.clock.start.year == 2025
    off = build(parser.parse_args(["--no-rate-limits", "--generate", "10"]))
    assert off.rate_limits.account_per_minute is None
    assert per_minute("10/min") == per_minute("10") == 10
    with pytest.raises(argparse.ArgumentTypeError):
        per_minute("fast")
