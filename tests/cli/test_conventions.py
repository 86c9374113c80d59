"""The command line's conventions: global options before or after the command, --version,
exit code 2 for usage errors, help text for every option."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from sync.cli import _command_parsers, build_parser
from tests.cli.conftest import Cli


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "--config", "a.yaml", "--log-format", "json", "status"],
        ["status", "-v", "--config", "a.yaml", "--log-format", "json"],
        ["--config", "a.yaml", "status", "--verbose", "--log-format=json"],
        ["--log-format", "json", "-v", "status", "--config", "a.yaml"],
    ],
)
def test_global_options_count_before_and_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.command, args.verbose, args.config, args.log_format) == (
        "status", True, "a.yaml", "json"
    )  # fmt: skip


def test_a_global_option_given_before_the_command_is_not_reset_by_it() -> None:
    args = build_parser().parse_args(["-q", "--config", "before.yaml", "tickets", "--json"])
    assert (args.quiet, args.verbose, args.config, args.json) == (True, False, "before.yaml", True)
    defaults = build_parser().parse_args(["tickets"])
    assert (defaults.quiet, defaults.verbose, defaults.config) == (False, False, None)


def test_every_command_accepts_the_global_options() -> None:
    parser = build_parser()
    commands = list(_command_parsers(parser))
    assert len(commands) >= 12
    for command in commands:
        options = {o for action in command._actions for o in action.option_strings}
        assert {"--config", "-v", "-q", "--log-format"} <= options, command.prog


def test_every_option_and_argument_has_help() -> None:
    parser = build_parser()
    for command in [parser, *_command_parsers(parser)]:
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help and action.help != argparse.SUPPRESS, f"{command.prog} {name}"


def test_no_help_shows_docstring_markup() -> None:
    parser = build_parser()
    for command in [parser, *_command_parsers(parser)]:
        assert "``" not in command.format_help(), command.prog


def test_the_verbose_option_works_after_the_command(cli: Cli) -> None:
    assert "DEBUG" not in cli.run("sync", "--no-progress").stderr
    assert "DEBUG" in cli.run("sync", "--no-progress", "-v").stderr


def test_version_comes_from_the_package_metadata(cli: Cli) -> None:
    result = cli.run("--version")
    assert result.stdout.strip() == f"zdsync {version('zdsync')}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tickets", "--limit", "-1"], "must be 0 or more"),
        (["tickets", "--limit", "many"], "not a whole number"),
        (["tickets", "--group", "Nope"], "not a partner group"),
        (["tickets", "--state", "half"], "invalid choice"),
        (["ticket", "abc"], "invalid int value"),
        (["run", "--metrics-port", "70000"], "port from 0 to 65535"),
        (["-v", "status", "-q"], "exclude each other"),
        (["no-such-command"], "invalid choice"),
        ([], "usage:"),
    ],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str], message: str) -> None:
    result = cli.run(*argv, check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (["st"], {"status"}),
        (["re"], {"record", "replay", "retry"}),
        (["status", "--js"], {"--json"}),
        (["tickets", "--st"], {"--state"}),
    ],
)
def test_the_printed_bash_completion_completes_commands_and_options(
    cli: Cli, words: list[str], offered: set[str]
) -> None:
    """The script `zdsync --print-completion bash` prints, sourced by a real bash, offers
    the commands and their options (shtab builds it from the parser)."""
    script = cli.run("--print-completion", "bash").stdout
    line = " ".join(["zdsync", *words])
    probe = (
        f"source /dev/stdin; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
        f'COMP_LINE="{line}"; COMP_POINT={len(line)}; _shtab_zdsync; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    completed = subprocess.run(
        ["bash", "-c", probe], input=script, capture_output=True, text=True, check=True
    )
    assert set(completed.stdout.split()) == offered, completed.stderr


def test_a_reader_that_left_gets_no_traceback(cli: Cli) -> None:
    """`zdsync --print-completion bash | head -1`: output printed while the arguments are
    parsed meets a closed pipe as the commands' output does (exit 141, nothing said)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "sync", "--print-completion", "bash"],
            env=cli.env, stdout=write_end, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (completed.returncode, completed.stderr) == (141, "")
