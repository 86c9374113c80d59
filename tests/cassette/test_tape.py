"""Recording and replaying with the real client: every concurrent request is captured, a
replay mirrors what the live pull mirrored without any network, and a replay fails,
naming the request, as soon as the adapter's requests change shape."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from urllib3 import connection, connectionpool
from zenpy.lib import endpoint

from adapters.cassette.scrub import PLACEHOLDER_URL, ScrubPolicy
from adapters.cassette.tape import recording, replaying
from adapters.store import SqlStore, open_store
from adapters.zendesk import pages
from emulator import Emulator, RateLimits, Scenario
from sync.errors import NotInCassette
from sync.records import TicketQuery
from tests.cassette.conftest import DEMO, Recorded, Replayed
from tests.cassette.rerecord import RECORDED_AT

Replay = Callable[[Path], Replayed]


def recorded_requests(cassette: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(cassette.read_text())
    return [interaction["request"] for interaction in data["interactions"]]


def mirror(store: SqlStore) -> dict[int, Any]:
    """Every mirrored ticket with its audits."""
    return {
        row.id: (store.get_ticket(row.id), store.get_audits(row.id))
        for row in store.list_tickets(TicketQuery())
    }


def test_a_recording_with_four_audit_threads_holds_every_request_the_emulator_answered(
    recorded: Recorded,
) -> None:
    # Without the lock around each exchange, vcrpy lost 10 to 12 of these 28 (tape.py).
    assert recorded.report.errors == [] and recorded.report.audits_fetched == 19
    kept = Counter(
        (r["method"], urlsplit(r["uri"]).path.removesuffix(".json"))
        for r in recorded_requests(recorded.cassette)
    )
    answered = Counter((method, path.removesuffix(".json")) for method, path in recorded.answered)
    assert kept == answered
    assert sum(kept.values()) == 28


def test_a_replay_mirrors_what_the_live_pull_mirrored_with_no_network(
    recorded: Recorded, replay_pull: Replay
) -> None:
    # The emulator is stopped (the fixture's block has ended) and the client's host is the
    # placeholder, which never resolves: every answer comes from the cassette.
    replayed = replay_pull(recorded.cassette)
    assert replayed.report.errors == []
    assert (replayed.tape.played, replayed.tape.unplayed) == (28, 0)
    live = open_store(f"sqlite:///{recorded.database}")
    try:
        assert mirror(replayed.store) == mirror(live)
        assert set(replayed.store.get_users()) == set(live.get_users())
    finally:
        live.close()


def test_a_replay_does_not_depend_on_the_order_zenpy_puts_its_query_parameters_in(
    recorded: Recorded, replay_pull: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zenpy joins its parameters from a set: their order changes from process to process.
    for order in (sorted, lambda items: sorted(items, reverse=True)):
        monkeypatch.setattr(
            endpoint.Url,
            "build",
            lambda url, order=order: (
                url.scheme
                + "://"
                + url.netloc
                + "/"
                + url.path.lstrip("/")
                + "?"
                + "&".join(order(f"{k}={v}" for k, v in url.params.items()))
            ),
        )
        assert replay_pull(recorded.cassette).tape.unplayed == 0


@pytest.mark.parametrize(
    ("module", "name", "value", "wanted"),
    [
        (pages, "AUDIT_PAGE_SIZE", 50, "page%5Bsize%5D=50"),  # a changed query value
        (pages, "AUDITS_PATH", "/api/v2/tickets/{ticket_id}/audits", "audits?"),  # path
        (pages, "EXPORT_PATH", "/api/v2/incremental/tickets.json", "incremental/tickets.json"),
    ],
)
def test_a_request_of_another_shape_stops_the_replay_naming_it(  # noqa: PLR0917
    replay_pull: Replay,
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    name: str,
    value: Any,
    wanted: str,
) -> None:
    monkeypatch.setattr(module, name, value)
    with pytest.raises(NotInCassette) as failed:
        replay_pull(DEMO.cassette)  # the committed cassette, offline
    message = str(failed.value)
    assert f"GET {PLACEHOLDER_URL}" in message and wanted in message
    assert "nearest recorded" in message and "re-record" in message
    # Nothing left behind: no audit fetch still running (one that outlived the cassette
    # could put vcrpy's patches back for the rest of the process), no patch installed.
    assert [t.name for t in threading.enumerate() if t.name.startswith("audits")] == []
    assert connectionpool.HTTPSConnectionPool.ConnectionCls is connection.HTTPSConnection
    assert connectionpool.HTTPConnectionPool.ConnectionCls is connection.HTTPConnection


def test_a_body_of_another_shape_stops_the_replay(tmp_path: Path) -> None:
    cassette = tmp_path / "create.yaml"
    scenario = Scenario.load(DEMO.scenario)
    ticket = {"ticket": {"subject": "Router", "comment": {"body": "Mail carla@utrecht.example"}}}
    limits = RateLimits.disabled()
    with Emulator(scenario, start=RECORDED_AT, frozen=True, rate_limits=limits) as emulator:
        policy = ScrubPolicy(account_url=emulator.base_url, key=b"k", secrets=("demo-token",))
        live = requests.Session()
        live.auth = ("zdsync@ispnext.example/token", "demo-token")
        with recording(cassette, live, policy):
            assert live.post(f"{emulator.base_url}/api/v2/tickets.json", json=ticket).ok
    assert "carla@utrecht.example" not in cassette.read_text()

    offline = requests.Session()
    url = f"{PLACEHOLDER_URL}/api/v2/tickets.json"
    scrubbed = yaml.safe_load(cassette.read_text())["interactions"][0]["request"]["body"]["json"]
    with replaying(cassette, offline) as tape:
        assert offline.post(url, json=scrubbed).status_code == 201
    assert tape.unplayed == 0
    changed = {"ticket": {**scrubbed["ticket"], "subject": "Another router"}}
    with replaying(cassette, offline), pytest.raises(NotInCassette, match="differs in: body"):
        offline.post(url, json=changed)


def test_exchanges_a_replay_never_asked_for_are_counted(tmp_path: Path) -> None:
    offline = requests.Session()
    with replaying(DEMO.cassette, offline) as tape:
        offline.get(f"{PLACEHOLDER_URL}/api/v2/users/me.json")
    assert (tape.played, tape.unplayed) == (1, tape.exchanges - 1)
