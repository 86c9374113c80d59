"""The demo world (fixtures/scenarios/demo.yaml) served by the emulator over real HTTP and
pulled once per session with the real ZendeskClient into a SQLite file, as ``zdsync demo``
does. The emulator's clock is frozen at ``START``; the tests decide at that instant (or
later) and work on copies of the pulled database, so none sees another's outbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from sync.cli.demo import DEMO_CONFIG, DEMO_SCENARIO
from sync.clock import FixedClock
from sync.config import Settings, load_settings
from sync.pull.step import pull

#: The emulator's "now": scenario times such as "-3h" are relative to it.
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pulled_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite mirror of the demo world as one pull at ``START`` leaves it."""
    database = tmp_path_factory.mktemp("demo") / "pulled.db"
    scenario = Scenario.load(DEMO_SCENARIO)
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        settings = demo_settings(database, emu.base_url, scenario)
        store = open_store(settings.database_url)
        client = ZendeskClient(settings.require_zendesk(), settings.sync)
        try:
            report = pull(client, store, settings, FixedClock(START), refresh_directory=True)
        finally:
            client.close()
            store.close()
    assert report.errors == [], report.errors
    return database


@pytest.fixture
def database(pulled_database: Path, tmp_path: Path) -> Path:
    """This test's own copy of the pulled mirror."""
    copy = tmp_path / "zdsync.db"
    shutil.copyfile(pulled_database, copy)
    return copy


@pytest.fixture
def settings(database: Path) -> Settings:
    """The demo configuration on this test's database, without Zendesk credentials."""
    env = {"ZDSYNC_DATABASE_URL": f"sqlite:///{database}"}
    return load_settings(env, config_path=DEMO_CONFIG, need_zendesk=False)


@pytest.fixture
def store(settings: Settings) -> Iterator[SqlStore]:
    opened = open_store(settings.database_url)
    yield opened
    opened.close()


def demo_settings(database: Path, base_url: str, scenario: Scenario) -> Settings:
    (credential,) = [c for c in scenario.credentials if c.token]
    email = credential.email or {u.id: u.email for u in scenario.users}[credential.user]
    env = {
        "ZENDESK_URL": base_url,
        "ZENDESK_EMAIL": email or "",
        "ZENDESK_TOKEN": credential.token or "",
        "ZDSYNC_DATABASE_URL": f"sqlite:///{database}",
    }
    return load_settings(env, config_path=DEMO_CONFIG)
