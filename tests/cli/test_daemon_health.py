"""``zdsync run --metrics-port`` as operations run it: a subprocess against the emulator over
HTTP, its ``/healthz`` and ``/metrics`` read over a real socket, stopped by SIGTERM."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.cli.conftest import ROOT, Cli

#: Each runs the CLI in subprocesses (several seconds each).
pytestmark = pytest.mark.slow


def announced_url(process: subprocess.Popen[str], within: float = 180) -> str:
    """The metrics URL the daemon logs when its server is up. A thread reads its log line
    by line (and keeps reading, so a full pipe never blocks the daemon)."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    stream = process.stderr
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    deadline = time.monotonic() + within
    seen = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        seen.append(line)
        found = re.search(r"metrics at (http://\S+/metrics)", line)
        if found:
            return found.group(1)
    raise AssertionError("the daemon never announced its metrics:\n" + "".join(seen))


def first_healthy(url: str, within: float = 300) -> requests.Response:
    """Ask /healthz until the first cycle has succeeded (a 200), within a bound."""
    deadline = time.monotonic() + within
    while True:
        answer = requests.get(url, timeout=10)
        if answer.status_code == 200 and answer.json()["last_success"]:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"never healthy: {answer.status_code} {answer.text}")
        time.sleep(0.2)  # polling for an event, bounded above


def test_the_daemon_serves_health_and_metrics(cli: Cli) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", "run", "--metrics-port", "0"],
        env=cli.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        metrics_url = announced_url(process)
        health = first_healthy(metrics_url.replace("/metrics", "/healthz"))
        metrics = requests.get(metrics_url, timeout=10).text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=300) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    body = health.json()
    assert body["status"] == "ok" and body["outbox_failed"] == 0
    cycles = re.search(r"^zdsync_cycles_total (\S+)$", metrics, re.MULTILINE)
    assert cycles and float(cycles.group(1)) >= 1
    export = 'endpoint="/api/v2/incremental/tickets/cursor",method="GET",status="200"'
    assert f"zdsync_api_requests_total{{{export}}}" in metrics
    assert 'zdsync_push_outcomes_total{outcome="applied"}' in metrics
    assert "process_cpu_seconds_total" in metrics
