"""Command line of the emulator: ``zdsync emulator`` (wired by sync/cli/commands.py) and
``python -m emulator``. Serves until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType

from emulator.emulator import Emulator
from emulator.errors import EmulatorError
from emulator.faults import FaultRule
from emulator.ratelimit import RateLimits
from emulator.scenario import Scenario

DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "demo.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options (``zdsync emulator``; docs/emulator.md)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8080, help="0 picks a free port (default %(default)s)"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="origin for the absolute URLs it answers with (pagination links), when clients "
        "reach it by another name than the bound address, e.g. http://emulator:8080 in "
        "docker-compose (default: http://HOST:PORT, 127.0.0.1 for a wildcard HOST)",
    )
    world = parser.add_mutually_exclusive_group()
    world.add_argument(
        "--scenario",
        type=Path,
        default=DEMO_SCENARIO,
        metavar="FILE",
        help="scenario file (default: the demo scenario)",
    )
    world.add_argument(
        "--generate",
        metavar="TICKETS[:PARTNER[:AUDITS]]",
        help="a generated world instead, e.g. 100000:5000:3 (benchmarks)",
    )
    parser.add_argument(
        "--start", metavar="ISO-8601", help="clock start (default: the scenario's, else now)"
    )
    parser.add_argument(
        "--frozen-clock", action="store_true", help="the clock only moves when told to"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, KIND[:key=value,...] (repeatable; docs/emulator.md)",
    )
    _add_limits(parser)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-rate-limits", action="store_true", help="switch every limit off")
    for option, default, what in (
        ("--rate-limit", 700, "account-wide"),
        ("--export-rate-limit", 10, "incremental export"),
        ("--update-rate-limit", 100, "Update Ticket"),
    ):
        parser.add_argument(
            option,
            type=per_minute,
            metavar="N/min",
            default=default,
            help=f"{what} limit (default %(default)s/min)",
        )


def per_minute(text: str) -> int:
    """``700``, ``700/min`` or ``700/m``."""
    number = text.strip().lower().removesuffix("/min").removesuffix("/m")
    try:
        value = int(number)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected N or N/min, got {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("a rate limit is at least 1/min")
    return value


def build(args: argparse.Namespace) -> Emulator:
    """The emulator the arguments describe (not started); EmulatorError when they are wrong."""
    scenario = _generated(args.generate) if args.generate else Scenario.load(args.scenario)
    limits = (
        RateLimits.disabled()
        if args.no_rate_limits
        else RateLimits(
            account_per_minute=args.rate_limit,
            export_per_minute=args.export_rate_limit,
            update_ticket_per_minute=args.update_rate_limit,
        )
    )
    start = datetime.fromisoformat(args.start.replace("Z", "+00:00")) if args.start else None
    emulator = Emulator(
        scenario,
        host=args.host,
        port=args.port,
        rate_limits=limits,
        frozen=True if args.frozen_clock else None,
        start=start,
        public_url=args.public_url,
    )
    for spec in args.fault:
        emulator.faults.add(FaultRule.parse(spec))
    return emulator


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 2 when the scenario or options are wrong."""
    try:
        emulator = build(args).start()
    except (EmulatorError, ValueError, OSError) as exc:
        print(f"zdsync emulator: {exc}", file=sys.stderr)
        return 2
    # This process is the emulator's: its world lives until exit, so keep the cyclic
    # collector from rescanning a 100,000-ticket world on every full collection.
    gc.freeze()
    stop = threading.Event()
    previous = {sig: signal.signal(sig, _setter(stop)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _announce(emulator)
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emulator.close()
    print("zdsync emulator: stopped", flush=True)
    return 0


def _setter(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return handle


def _generated(text: str) -> Scenario:
    parts = [int(p) for p in text.split(":")]
    tickets = parts[0]
    partner = parts[1] if len(parts) > 1 else tickets // 20
    audits = parts[2] if len(parts) > 2 else 3
    return Scenario.generate(
        tickets=tickets, partner_tickets=partner, audits_per_partner_ticket=audits
    )


def _announce(emulator: Emulator) -> None:
    clock = emulator.clock
    lines = [
        f"Zendesk emulator ({emulator.scenario.name}) serving at {emulator.base_url}",
        f"  ZENDESK_URL={emulator.base_url}",
    ]
    for credential in emulator.credentials:
        if credential.token:
            lines += [f"  ZENDESK_EMAIL={credential.email}", f"  ZENDESK_TOKEN={credential.token}"]
        if credential.oauth_token:
            lines.append(f"  ZENDESK_OAUTH_TOKEN={credential.oauth_token}")
    state = "frozen" if clock.frozen else "running"
    lines.append(f"  clock {clock.now().isoformat()} ({state})")
    lines.append(f"  control API {emulator.base_url}/_emulator/ (docs/emulator.md)")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
