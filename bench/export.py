"""The mirror's export path: a generated world served by the emulator (its own process),
pulled by the real client into SQLite (a child process that measures itself).

Figures: tickets/s of the export (HTTP, parsing, database), audits fetched per second,
requests made per changed partner ticket, what a second pull with nothing new costs, peak
memory of the worker at two world sizes (it must not grow with the ticket count), and the
hot-path choice behind adapters/zendesk/pages.py: zenpy's ticket objects against raw pages.

The emulator runs without rate limits and the client's export budget is lifted: against
Zendesk the export is paced to 10 requests/minute (30 with High Volume), which bounds a
real backfill at 10,000 tickets/minute whatever the client does.
"""

from __future__ import annotations

import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

AUDITS_PER_PARTNER_TICKET = 3
CONFIG = """
ispnext: {{groups: [{{id: 100, name: ISPnext Support}}]}}
partners:
  - {{name: Partner A, group_id: 201}}
  - {{name: Partner B, group_id: 202}}
  - {{name: Partner C, group_id: 203}}
fields: {{system: 7001}}
sync:
  backfill_since: {since}
  export_requests_per_minute: 100000
"""


def run(quick: bool) -> dict[str, object]:
    sizes = [(5_000, 250), (20_000, 1_000)] if quick else [(20_000, 1_000), (100_000, 5_000)]
    figures: dict[str, object] = {}
    for tickets, partner in sizes:
        with emulator(tickets, partner) as (url, token):
            result = in_child(measure_pull, url, token)
            stats = requests.get(f"{url}/_emulator/stats", timeout=30).json()
            audit_requests = sum(n for k, n in stats.items() if k.endswith("/audits"))
            result["audit_requests_per_changed_ticket"] = round(
                audit_requests / max(1, int(str(result["audit_tickets"]))), 3
            )
            if (tickets, partner) == sizes[-1]:
                figures.update(in_child(compare_zenpy, url, token, min(tickets, 20_000)))
        prefix = f"{tickets // 1000}k"
        for key, value in result.items():
            figures[f"{prefix}.{key}"] = value
    return figures


@contextmanager
def emulator(tickets: int, partner: int) -> Iterator[tuple[str, str]]:
    spec = f"{tickets}:{partner}:{AUDITS_PER_PARTNER_TICKET}"
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--generate", spec, "--no-rate-limits",
         "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url, token = "", ""
        if process.stdout is None:
            raise RuntimeError("no pipe to the emulator")
        for raw_line in process.stdout:
            line = raw_line.strip()
            if line.startswith("ZENDESK_URL="):
                url = line.split("=", 1)[1]
            elif line.startswith("ZENDESK_TOKEN="):
                token = line.split("=", 1)[1]
                break
        if not url or not token:
            raise RuntimeError("the emulator did not start")
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def in_child(function: Any, *args: Any) -> dict[str, object]:
    """Run in a fresh process so its peak memory is the worker's alone."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, object] = pool.apply(function, args)
        return result


def _settings(url: str, token: str, database: Path) -> Any:
    from sync.config import load_settings

    since = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    config = database.with_suffix(".yaml")
    config.write_text(CONFIG.format(since=since))
    env = {
        "ZENDESK_URL": url,
        "ZENDESK_EMAIL": "zdsync@ispnext.example",
        "ZENDESK_TOKEN": token,
        "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
    }
    return load_settings(env, config_path=config)


def measure_pull(url: str, token: str) -> dict[str, object]:
    from adapters.store import open_store
    from adapters.zendesk import ZendeskClient
    from sync.clock import SystemClock
    from sync.pull.step import pull

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(url, token, Path(tmp) / "bench.db")
        store = open_store(settings.database_url)
        client = ZendeskClient(settings.require_zendesk(), settings.sync)
        baseline_mb = _peak_mb()
        first = pull(client, store, settings, SystemClock())
        peak_mb = _peak_mb()
        sent = client.session.requests_sent
        second = pull(client, store, settings, SystemClock())
        second_requests = client.session.requests_sent - sent
        client.close()
    exported = first.exported
    return {
        "tickets_exported": exported,
        "tickets_kept": first.kept,
        "export_tickets_per_s": round(exported / first.export_seconds),
        "export_requests": first.pages,
        "audit_tickets": first.audits_fetched,
        "audits_tickets_per_s": round(first.audits_fetched / max(first.audit_seconds, 1e-9)),
        "whole_pull_seconds": round(first.seconds, 2),
        "second_pull_requests": second_requests,
        "second_pull_kept": second.kept,
        "peak_rss_mb": round(peak_mb, 1),
        "rss_before_pull_mb": round(baseline_mb, 1),
        "errors": len(first.errors) + len(second.errors),
    }


def compare_zenpy(url: str, token: str, count: int) -> dict[str, object]:
    """Tickets/s of iterating zenpy's Ticket objects vs our raw pages, same export."""
    from itertools import islice

    from adapters.zendesk import ZendeskClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(url, token, Path(tmp) / "cmp.db")
    client = ZendeskClient(settings.require_zendesk(), settings.sync)
    start_time = int(settings.sync.backfill_since.timestamp())
    began = time.perf_counter()
    raw = 0
    for page in client.export_tickets(cursor=None, start_time=start_time, system_field_id=7001):
        raw += len(page.tickets)
        if raw >= count:
            break
    raw_seconds = time.perf_counter() - began
    began = time.perf_counter()
    objects = sum(1 for _ in islice(client.zenpy.tickets.incremental(start_time=start_time), count))
    zenpy_seconds = time.perf_counter() - began
    client.close()
    return {
        "hot_path.raw_pages_tickets_per_s": round(raw / raw_seconds),
        "hot_path.zenpy_objects_tickets_per_s": round(objects / zenpy_seconds),
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
