"""The ``zdsync`` command line (also ``python -m sync``).

This package is the composition root: the only part of the program that builds real
adapters (zenpy client, SQL store, emulator) and hands them to the cycle. Exit codes:
0 success, 1 the work failed or was incomplete (see the log), 2 bad configuration or usage,
130 interrupted, 141 the output pipe was closed (``| head``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sync.cli import commands, decide_commands, demo, push_commands
from sync.cli.logs import LOG_FORMATS, configure_logging
from sync.errors import ConfigError, WorkerError

log = logging.getLogger("zdsync")

EPILOG = """\
environment:
  ZENDESK_URL           Zendesk base URL, e.g. https://acme.zendesk.com
  ZENDESK_EMAIL         the worker's Zendesk user (with ZENDESK_TOKEN)
  ZENDESK_TOKEN         API token; or ZENDESK_OAUTH_TOKEN instead of both
  ZDSYNC_DATABASE_URL   default sqlite:///zdsync.db; or postgresql+psycopg://...
  ZDSYNC_CONFIG         config file; default zdsync.yaml
  ZDSYNC_LOG_LEVEL      DEBUG, INFO (default), WARNING, ERROR
  ZDSYNC_LOG_FORMAT     text (default) or json

Start with `zdsync demo`, then see README.md.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zdsync",
        description="Applies the ISPnext partner support agreement to Zendesk tickets: "
        "mirrors the partner groups' tickets, decides, and pushes the changes back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: zdsync.yaml)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    parser.add_argument(
        "--log-format", choices=LOG_FORMATS, help="text (default) or json: one object per line"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    decide_commands.register(sub)
    push_commands.register(sub)
    demo.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    configure_logging(args)
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"zdsync: {exc}", file=sys.stderr)
        return 2
    except WorkerError as exc:
        log.debug("failed", exc_info=True)
        print(f"zdsync: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zdsync: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `zdsync tickets | head`: the reader left; say nothing more, like other tools.
        _silence_stdout()
        return 141
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
