"""The ``zdsync`` command line (also ``python -m sync``).

This package is the composition root: the only part of the program that builds real
adapters (zenpy client, SQL store, emulator) and hands them to the cycle.

Exit codes (README "Exit codes"):

    0    success
    1    the work failed or was incomplete (see the log); for ``once`` and ``push`` also a
         push an outage stopped, or a failed entry in the outbox until ``retry`` queues it
    2    bad configuration or usage (also a database URL that cannot work, or whose server
         does not answer when a command starts; ``run`` waits for that server instead)
    3    another zdsync run holds the worker lock of this database (``sync.worker_lock``);
         nothing was done
    130  interrupted: SIGINT stopped the command at a safe boundary (``sync.stopping``), or
         a second signal at once
    141  the output pipe was closed (``| head``)
    143  SIGTERM stopped ``once``, ``sync`` or ``push`` at a safe boundary before its end
         (``zdsync run`` exits 0 then: a signal is how a daemon ends)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version

import shtab

from sync.cli import (
    commands,
    decide_commands,
    demo,
    push_commands,
    replay_commands,
    retry_commands,
    status_command,
)
from sync.cli.clocks import parse_instant
from sync.cli.logs import LOG_FORMATS, configure_logging
from sync.cli.usage import UsageError
from sync.errors import (
    ConfigError,
    ConfigProblem,
    LockHeld,
    StoreUnreachable,
    StoreUnusable,
    WorkerError,
)

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
  ZDSYNC_WEBHOOK_URL    optional chat webhook (Slack or Teams, ZDSYNC_WEBHOOK_FORMAT)

Start with `zdsync demo`, then see README.md.
"""


def add_global_options(parser: argparse.ArgumentParser, *, copy: bool) -> None:
    """The options every command accepts, before or after its name (``zdsync -v status``
    and ``zdsync status -v``). A new global option goes here and nowhere else.

    The top-level parser holds the defaults; each command's parser gets a ``copy`` whose
    default is ``SUPPRESS``, so a value given before the command is not reset by the
    command's parser (argparse copies every default of a subparser over the namespace).
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if copy else value

    group = parser.add_argument_group("global options")
    config = group.add_argument(
        "--config",
        metavar="FILE",
        default=default(None),
        help="config file (default: $ZDSYNC_CONFIG, else zdsync.yaml)",
    )
    config.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab reads it
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="log debug details"
    )
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="log warnings only"
    )
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=default(None),
        help="text (default: $ZDSYNC_LOG_FORMAT, else text) or json: one object per line",
    )
    group.add_argument(
        "--now",
        type=parse_instant,
        metavar="TIME",
        default=default(None),
        help="run as of this ISO-8601 time (UTC unless it says otherwise) instead of the "
        "clock: what-if, reproducing a decision; `run` starts there and runs on",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zdsync",
        description="Applies the ISPnext partner support agreement to Zendesk tickets: "
        "mirrors the partner groups' tickets, decides, and pushes the changes back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"zdsync {package_version()}",
        help="show the version and exit",
    )  # fmt: skip
    # Completion from the parser itself, so it never lags behind the commands.
    shtab.add_argument_to(
        parser, "--print-completion",
        help='print the shell completion script and exit: eval "$(zdsync --print-completion bash)"',
    )  # fmt: skip
    add_global_options(parser, copy=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    decide_commands.register(sub)
    push_commands.register(sub)
    status_command.register(sub)
    replay_commands.register(sub)
    retry_commands.register(sub)
    demo.register(sub)
    for command in _command_parsers(parser):
        add_global_options(command, copy=True)
    return parser


def package_version() -> str:
    try:
        return version("zdsync")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _command_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command's parser, nested ones included (an alias appears once)."""
    seen: set[int] = set()
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                if id(command) not in seen:
                    seen.add(id(command))
                    yield command
                    yield from _command_parsers(command)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _parse_and_run(argv)
    except BrokenPipeError:
        # `zdsync tickets | head`, `--print-completion bash | head`: the reader left; say
        # nothing more, like other tools.
        _silence_stdout()
        return 141


def _parse_and_run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --help, --version and --print-completion print here
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.verbose and args.quiet:  # one given before the command, one after
        parser.error("-v/--verbose and -q/--quiet exclude each other")
    configure_logging(args)
    try:
        code: int = args.handler(args)
    except UsageError as exc:
        print(f"zdsync: {exc}", file=sys.stderr)
        return 2
    except WorkerError as exc:
        return _failed(exc)
    except KeyboardInterrupt:
        print("zdsync: interrupted", file=sys.stderr)
        return 130
    return code


def _failed(exc: WorkerError) -> int:
    """Say why a command stopped; its exit code."""
    if isinstance(exc, ConfigError):
        print(f"zdsync: {exc}", file=sys.stderr)
        return 2
    if isinstance(exc, (StoreUnusable, StoreUnreachable)):
        # Found when the store was opened, so after the configuration's other problems:
        # said the same way, naming the variable to fix.
        print(f"zdsync: {ConfigError([ConfigProblem('ZDSYNC_DATABASE_URL', str(exc))])}",
              file=sys.stderr)  # fmt: skip
        return 2
    if isinstance(exc, LockHeld):
        print(f"zdsync: {exc}; nothing was done", file=sys.stderr)
        return 3
    log.debug("failed", exc_info=True)
    print(f"zdsync: {exc}", file=sys.stderr)
    return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
