"""The kill switch: ``ZDSYNC_DRY_RUN=1`` makes every run a dry run, whatever the command
line says: the worker still mirrors Zendesk, but writes nothing to it or to the outbox."""

from __future__ import annotations

import json

import pytest

from emulator import Emulator
from tests.cli.conftest import Cli

#: Each runs the CLI in subprocesses (several seconds each).
pytestmark = pytest.mark.slow


def writes(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.request_log if r.method != "GET"]


def test_zdsync_dry_run_makes_once_write_nothing(cli: Cli, demo_emulator: Emulator) -> None:
    cli.env["ZDSYNC_DRY_RUN"] = "1"
    once = cli.run("once", "--json")
    assert "ZDSYNC_DRY_RUN is set" in once.stderr
    assert json.loads(once.stdout)["push"]["dry_run"] is True
    assert writes(demo_emulator) == []
    status = json.loads(cli.run("status", "--json").stdout)
    assert sum(status["outbox"].values()) == 0

    # Switched off, the same worker acts: the switch was what held it back.
    cli.env["ZDSYNC_DRY_RUN"] = "0"
    cli.run("once")
    assert writes(demo_emulator)


def test_decide_and_push_obey_it_too(cli: Cli, demo_emulator: Emulator) -> None:
    cli.run("sync", "--no-progress")
    cli.env["ZDSYNC_DRY_RUN"] = "yes"
    cli.run("decide")
    cli.run("push")
    assert writes(demo_emulator) == []
    assert sum(json.loads(cli.run("status", "--json").stdout)["outbox"].values()) == 0


def test_an_unreadable_value_is_a_configuration_error(cli: Cli) -> None:
    cli.env["ZDSYNC_DRY_RUN"] = "maybe"
    result = cli.run("once", check=False)
    assert result.returncode == 2
    assert "ZDSYNC_DRY_RUN" in result.stderr and "maybe" in result.stderr
