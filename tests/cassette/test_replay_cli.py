"""``zdsync record`` and ``zdsync replay`` as users run them: the emulator over real HTTP
for recording, nothing at all for replaying (no credentials, no ZENDESK_URL, the emulator
stopped). The committed cassettes of fixtures/cassettes/ are replayed in this process
through the command's parser and handler (offline and quick); the comparison with a live
pull runs everything in subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.cassette.scrub import PSEUDONYM_DOMAIN, ScrubPolicy, pseudonym
from adapters.store import open_store
from emulator import Emulator, RateLimits, Scenario
from sync.cli import build_parser
from sync.cli.usage import UsageError
from sync.errors import ConfigError
from sync.records import TicketQuery
from tests.cassette.rerecord import RECORDED_AT, RECORDINGS, ROOT, api_user

DEMO = RECORDINGS[0]
KEY = "test-key"


def zdsync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    return subprocess.run(
        [sys.executable, "-m", "sync", "-q", "--config", str(DEMO.config), *args],
        env={**clean, **(env or {})}, cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def replay(cassette: Path, at: datetime, *extra: str, env: dict[str, str] | None = None) -> Any:
    """``zdsync replay CASSETTE --at AT --json`` in a subprocess."""
    argv = ("replay", str(cassette), "--at", at.isoformat(), "--json", *extra)
    return json.loads(ok(zdsync(*argv, env=env)))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``offline(cassette, at, *extra)``: the replay command's handler in this process, with
    no Zendesk variable set; its JSON output."""
    for name in list(os.environ):
        if name.startswith("ZENDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("ZDSYNC_DATABASE_URL", raising=False)

    def run(cassette: Path, at: datetime, *extra: str, config: Path = DEMO.config) -> Any:
        argv = ["--config", str(config), "replay", str(cassette), "--at", at.isoformat()]
        args = build_parser().parse_args([*argv, "--json", *extra])
        assert args.handler(args) == 0
        return json.loads(capsys.readouterr().out)

    return run


def pairs(document: dict[str, Any]) -> set[tuple[int, str]]:
    return {(d["ticket_id"], d["rule"]) for d in document["decisions"]}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A recording and a live pull of the same frozen world, and the live dry-run decisions
    at two instants, made while the emulator ran; the emulator is stopped afterwards."""
    folder = tmp_path_factory.mktemp("live")
    scenario = Scenario.load(DEMO.scenario)
    email, token = api_user(scenario)
    limits = RateLimits.disabled()
    instants = (RECORDED_AT, RECORDED_AT + timedelta(hours=1, minutes=30))
    with Emulator(scenario, start=RECORDED_AT, frozen=True, rate_limits=limits) as emulator:
        env = {"ZENDESK_URL": emulator.base_url, "ZENDESK_EMAIL": email, "ZENDESK_TOKEN": token}
        recording = {**env, "ZDSYNC_PSEUDONYM_KEY": KEY}
        printed = ok(zdsync("record", str(folder / "demo.yaml"), env=recording))
        ok(zdsync("record", str(folder / "bodies.yaml"), "--scrub-bodies", env=recording))
        # The step summaries are log lines on stderr, the table and the record's line stdout.
        # The world is frozen at RECORDED_AT: the dry-run cycle decides at that instant too.
        at = ("--now", RECORDED_AT.isoformat())
        done = zdsync("record", str(folder / "cycle.yaml"), "--cycle", *at, env=recording)
        cycled = ok(done) + done.stderr
        database = {"ZDSYNC_DATABASE_URL": f"sqlite:///{folder / 'live.db'}"}
        ok(zdsync("sync", "--no-progress", env={**env, **database}))
        decided = {
            at: json.loads(
                ok(zdsync("decide", "--dry-run", "--json", "--now", at.isoformat(), env=database))
            )
            for at in instants
        }
    return {
        "folder": folder,
        "printed": printed,
        "cycled": cycled,
        "decided": decided,
        "scenario": scenario,
    }


def pseudonymised(document: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The live document with each person's name as the recording's pseudonym for it."""
    policy = ScrubPolicy(account_url="", key=KEY.encode())
    text = json.dumps(document)
    for user in sorted(scenario.users, key=lambda u: -len(u.name)):
        text = text.replace(user.name, pseudonym(policy, "name", user.name))
    return dict(json.loads(text))


@pytest.mark.slow
def test_a_replay_with_the_emulator_stopped_decides_as_the_live_pull_did(
    live: dict[str, Any],
) -> None:
    assert "28 exchange(s) written" in live["printed"]
    for at, decided in live["decided"].items():
        replayed = replay(live["folder"] / "demo.yaml", at)
        assert decided["decisions"], at  # something to compare
        # The same decisions, actions, notes and reasons; the notes name people by the
        # pseudonyms of the recording (the only difference scrubbing makes).
        assert replayed == pseudonymised(decided, live["scenario"])


def test_the_demo_cassette_shows_the_hand_back_from_the_two_hour_mark_on(offline: Any) -> None:
    # Ticket 1002 went to Fibernet 30 min before the recording: 2 h with the partner at +1h30m.
    mark = RECORDED_AT + timedelta(hours=1, minutes=30)
    before, at, after = (
        offline(DEMO.cassette, moment)
        for moment in (mark - timedelta(minutes=1), mark, mark + timedelta(minutes=30))
    )
    assert (1002, "hand_back") not in pairs(before)
    assert (1002, "hand_back") in pairs(at)
    assert (1002, "hand_back") in pairs(after)
    assert (1001, "hand_back") in pairs(before)  # due long before: there all along
    explained = offline(DEMO.cassette, mark, "--explain", "1002")
    (hand_back,) = [rule for rule in explained["rules"] if rule["rule"] == "hand_back"]
    assert hand_back["fired"] and hand_back["facts"]["due_at"] == mark.isoformat()


def test_the_push_cassette_replays_every_rule_of_its_sixty_tickets(offline: Any) -> None:
    decided = offline(RECORDINGS[1].cassette, RECORDED_AT)
    rules = {rule for _, rule in pairs(decided)}
    assert rules == {"hand_back", "submit_as_open", "time_entry_note", "follow_up_ticket"}
    assert len(decided["decisions"]) >= 60


def test_a_replay_into_the_configured_database_leaves_the_mirror_there(
    offline: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'kept.db'}"
    monkeypatch.setenv("ZDSYNC_DATABASE_URL", database)
    offline(DEMO.cassette, RECORDED_AT)
    store = open_store(database)
    try:
        assert {t.id for t in store.list_tickets(TicketQuery())} >= {1001, 1002, 1026}
    finally:
        store.close()


def test_a_missing_cassette_is_a_usage_error(offline: Any) -> None:
    with pytest.raises(ConfigError, match=r"no cassette at no/such\.yaml"):
        offline(Path("no/such.yaml"), RECORDED_AT)


def assert_scrubbed(cassette: Path) -> None:
    """No token, email address, person's name or emulator address of any scenario in it."""
    forbidden = {"127.0.0.1", "Authorization", "authorization"}
    for recording in RECORDINGS:
        scenario = Scenario.load(recording.scenario)
        forbidden |= {c.token or c.oauth_token or "" for c in scenario.credentials} - {""}
        forbidden |= {u.email for u in scenario.users if u.email}
        forbidden |= {u.name for u in scenario.users}
    text = cassette.read_text()
    leaked = sorted(word for word in forbidden if word in text)
    assert leaked == [], f"{cassette.name} holds {leaked}"
    emails = set(re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", text))
    assert emails and all(e.endswith("@" + PSEUDONYM_DOMAIN) for e in emails), cassette.name


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.cassette.name)
def test_no_token_email_address_name_or_host_reaches_a_committed_cassette(recording: Any) -> None:
    assert_scrubbed(recording.cassette)


@pytest.mark.slow
def test_no_token_email_address_name_or_host_reaches_a_new_recording(live: dict[str, Any]) -> None:
    assert_scrubbed(live["folder"] / "demo.yaml")
    assert_scrubbed(live["folder"] / "bodies.yaml")


@pytest.mark.slow
def test_scrub_bodies_takes_free_text_out_and_the_rules_still_decide_alike(
    live: dict[str, Any],
) -> None:
    scenario: Scenario = live["scenario"]
    text = (live["folder"] / "bodies.yaml").read_text()
    texts = {t.payload["subject"] for t in scenario.tickets}
    texts |= {t.payload["comment"]["body"] for t in scenario.tickets}
    texts |= {
        e.payload["comment"]["body"]
        for t in scenario.tickets
        for e in t.history
        if "comment" in e.payload
    }
    assert sorted(t for t in texts if t and t in text) == []
    replayed = replay(live["folder"] / "bodies.yaml", RECORDED_AT)
    assert pairs(replayed) == pairs(live["decided"][RECORDED_AT])


def test_the_global_now_stands_for_at_and_one_of_them_is_needed(
    offline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    mark = RECORDED_AT + timedelta(hours=2)
    argv = ["--config", str(DEMO.config), "--now", mark.isoformat(), "replay", str(DEMO.cassette)]
    args = build_parser().parse_args([*argv, "--json"])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["now"] == mark.isoformat()
    args = build_parser().parse_args(["replay", str(DEMO.cassette)])
    with pytest.raises(UsageError, match="--at TIME"):
        args.handler(args)


@pytest.mark.slow
def test_record_cycle_shows_the_dry_run_and_records_the_same_exchanges(
    live: dict[str, Any],
) -> None:
    decided = len(live["decided"][RECORDED_AT]["decisions"])
    assert f"{decided} decision(s): {decided} would be new" in live["cycled"]
    assert "change(s) planned (dry run: nothing sent" in live["cycled"]
    plain, cycled = ((live["folder"] / name).read_text() for name in ("demo.yaml", "cycle.yaml"))
    assert cycled == plain  # a dry run sends nothing: the same cassette, byte for byte


def test_a_replay_acts_as_a_worker_live_all_along_unless_told_its_go_live(
    offline: Any, tmp_path: Path
) -> None:
    standard = pairs(offline(DEMO.cassette, RECORDED_AT))
    first_run = DEMO.config.read_text().replace("act_on_changes_since: 2024-12-16", "")
    assert first_run != DEMO.config.read_text()  # the default, first-run, is what remains
    (tmp_path / "first-run.yaml").write_text(first_run)
    assert (
        pairs(offline(DEMO.cassette, RECORDED_AT, config=tmp_path / "first-run.yaml")) == standard
    )
    told = first_run.replace("rules:\n", "rules:\n  act_on_changes_since: 2025-03-03T08:45:00Z\n")
    (tmp_path / "told.yaml").write_text(told)
    later = pairs(offline(DEMO.cassette, RECORDED_AT, config=tmp_path / "told.yaml"))
    # Live from 08:45: 1005's pending (08:40) is left alone, 1025's (08:55) is not.
    assert (1005, "submit_as_open") in standard and (1005, "submit_as_open") not in later
    assert (1025, "submit_as_open") in later
