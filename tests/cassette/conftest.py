"""Cassettes recorded from the demo world and replayed with the real client and store.

``recorded`` records one pull of the demo world (emulator over real HTTP, clock frozen at
``RECORDED_AT``) per session; ``replay_pull`` pulls from a cassette into a fresh SQLite
file with no network at all (the client's host is the placeholder, which never resolves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.cassette.scrub import PLACEHOLDER_URL, ScrubPolicy
from adapters.cassette.tape import Tape, recording, replaying
from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from sync.clock import FixedClock
from sync.config import Secret, Settings, ZendeskSettings, load_settings
from sync.pull.step import PullReport, pull
from tests.cassette.rerecord import RECORDED_AT, RECORDINGS, api_user

DEMO = RECORDINGS[0]
REPLAY_USER = ZendeskSettings(PLACEHOLDER_URL, "replay@example.invalid", Secret("x"), None)


@dataclass
class Recorded:
    cassette: Path
    report: PullReport
    database: Path
    #: (method, path) of every request the emulator answered during the recording.
    answered: list[tuple[str, str]]
    secrets: tuple[str, ...]


def demo_settings(database: Path, env: dict[str, str] | None = None) -> Settings:
    env = {**(env or {}), "ZDSYNC_DATABASE_URL": f"sqlite:///{database}"}
    return load_settings(env, config_path=DEMO.config, need_zendesk=bool(env.get("ZENDESK_URL")))


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    folder = tmp_path_factory.mktemp("recorded")
    scenario = Scenario.load(DEMO.scenario)
    email, token = api_user(scenario)
    limits = RateLimits.disabled()
    with Emulator(scenario, start=RECORDED_AT, frozen=True, rate_limits=limits) as emulator:
        env = {"ZENDESK_URL": emulator.base_url, "ZENDESK_EMAIL": email, "ZENDESK_TOKEN": token}
        settings = demo_settings(folder / "live.db", env)
        assert settings.sync.audit_concurrency == 4  # the concurrent fetches are the point
        policy = ScrubPolicy(account_url=emulator.base_url, key=b"test", secrets=(token,))
        store = open_store(settings.database_url)
        client = ZendeskClient(settings.require_zendesk(), settings.sync)
        try:
            with recording(folder / "demo.yaml", client.session, policy):
                report = pull(
                    client, store, settings, FixedClock(RECORDED_AT), refresh_directory=True
                )
        finally:
            client.close()
            store.close()
        answered = [(r.method, r.path) for r in emulator.request_log]
    return Recorded(folder / "demo.yaml", report, folder / "live.db", answered, (token,))


@dataclass
class Replayed:
    report: PullReport
    tape: Tape
    store: SqlStore
    settings: Settings


@pytest.fixture
def replay_pull(tmp_path: Path) -> Iterator[Callable[[Path], Replayed]]:
    """``replay_pull(cassette)``: a pull from the cassette into a fresh database."""
    opened: list[SqlStore] = []

    def replay(cassette: Path) -> Replayed:
        settings = demo_settings(tmp_path / f"replayed-{len(opened)}.db")
        store = open_store(settings.database_url)
        opened.append(store)
        client = ZendeskClient(REPLAY_USER, settings.sync, sleep=lambda _: None)
        try:
            with replaying(cassette, client.session) as tape:
                report = pull(
                    client, store, settings, FixedClock(RECORDED_AT), refresh_directory=True
                )
        finally:
            client.close()
        return Replayed(report, tape, store, settings)

    yield replay
    for store in opened:
        store.close()
