"""Emulator figures: how fast a generated world is built and served.

Runs the emulator as its own process (as ``zdsync emulator --generate`` would), so the
client's and the server's work do not share one interpreter, then pages through the whole
cursor export twice with a plain HTTP client: the first pass renders every ticket, the
second serves the cached documents. A figure far above the mirror's 10,000 tickets/s
target means the emulator is not what limits the benchmark of our client.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parents[1]
EXPORT = "/api/v2/incremental/tickets/cursor.json"


def run(quick: bool) -> dict[str, object]:
    tickets, partner = (10_000, 500) if quick else (100_000, 5_000)
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            "0",
            "--frozen-clock",
            "--no-rate-limits",
            "--generate",
            f"{tickets}:{partner}:3",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = _base_url(process)
        ready = time.perf_counter() - started
        built_rss = _rss_mb(process.pid)
        session = requests.Session()
        token = base64.b64encode(b"zdsync@ispnext.example/token:bench-token").decode()
        session.headers["Authorization"] = f"Basic {token}"
        first = _export(session, base_url, parse=True)
        parsed = _export(session, base_url, parse=True)
        served = _export(session, base_url, parse=False)
        served_rss = _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {
        "tickets": tickets,
        "partner_tickets": partner,
        "world_ready_s": round(ready, 2),
        "rss_at_start_mb": built_rss,
        "rss_after_exports_mb": served_rss,
        "export_requests": first["requests"],
        "export_mb_per_page": first["mb_per_page"],
        "export_first_pass_parsed_tickets_per_s": first["rate"],
        "export_parsed_tickets_per_s": parsed["rate"],
        "export_served_tickets_per_s": served["rate"],
    }


def _base_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"serving at (http://\S+)", line)
    if match is None:
        raise RuntimeError(f"the emulator did not start: {line!r}")
    return match.group(1)


def _export(session: requests.Session, base_url: str, *, parse: bool) -> dict[str, float]:
    """One pass through the export. ``parse=False`` reads only the page's head (the
    emulator writes ``tickets`` last), so the figure is what the emulator can serve
    rather than what a Python client can parse (a full parse costs ~30 ms per page)."""
    url = f"{base_url}{EXPORT}?start_time={int(time.time()) - 40 * 86400}"
    count = requests_made = size = 0
    started = time.perf_counter()
    while True:
        response = session.get(url, timeout=60)
        response.raise_for_status()
        if parse:
            page = orjson.loads(response.content)
            count += len(page["tickets"])
        else:
            head = response.content.split(b',"tickets":[', 1)[0]
            page = orjson.loads(head + b"}")
            # Each exported ticket begins with its stamp (the emulator writes it first).
            count += response.content.count(b'{"generated_timestamp":')
        size += len(response.content)
        requests_made += 1
        if page["end_of_stream"]:
            break
        url = page["after_url"]
    elapsed = time.perf_counter() - started
    return {
        "rate": round(count / elapsed),
        "requests": requests_made,
        "mb_per_page": round(size / requests_made / 1e6, 2),
    }


def _rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return -1
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1
