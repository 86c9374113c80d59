"""The /_emulator/ control endpoints, for an emulator in another process."""

from __future__ import annotations

import requests

from emulator import Emulator
from tests.emulator.conftest import WORKER_TOKEN, Api


def control(emulator: Emulator, method: str, name: str, body: object = None) -> requests.Response:
    return requests.request(method, f"{emulator.base_url}/_emulator/{name}", json=body, timeout=10)


def test_clock_control(emulator: Emulator) -> None:
    state = control(emulator, "GET", "clock").json()
    assert (state["now"], state["frozen"]) == ("2025-03-03T09:00:00+00:00", True)
    moved = control(emulator, "POST", "clock", {"advance": 90}).json()
    assert moved["now"] == "2025-03-03T09:01:30+00:00"
    jumped = control(emulator, "POST", "clock", {"set": "2025-03-03T10:00:00Z"}).json()
    assert jumped["now"] == "2025-03-03T10:00:00+00:00"
    assert control(emulator, "POST", "clock", {"unfreeze": True}).json()["frozen"] is False


def test_fault_control(emulator: Emulator, api: Api) -> None:
    added = control(emulator, "POST", "faults", {"spec": "status:status=503,nth=1"})
    assert added.status_code == 201
    assert added.json()["fault"]["status"] == 503
    assert api.get("/api/v2/tickets/2.json").status_code == 503
    control(emulator, "POST", "faults", {"kind": "status", "status": 500})
    assert len(control(emulator, "GET", "faults").json()["faults"]) == 2
    assert control(emulator, "DELETE", "faults").json()["faults"] == []
    assert api.get("/api/v2/tickets/2.json").status_code == 200
    bad = control(emulator, "POST", "faults", {"spec": "explode"})
    assert bad.status_code == 400


def test_act_snapshot_stats_and_requests(emulator: Emulator, api: Api) -> None:
    acted = control(emulator, "POST", "act", {"ticket": 2, "by": 11, "status": "pending"})
    assert acted.json()["audit"]["author_id"] == 11
    assert control(emulator, "GET", "snapshot").json()["tickets"]["2"]["status"] == "pending"
    refused = control(emulator, "POST", "act", {"ticket": 3, "by": 11, "note": "closed"})
    assert refused.status_code == 400
    api.get("/api/v2/tickets/2.json")
    assert control(emulator, "GET", "stats").json() == {"GET /api/v2/tickets/{ticket_id}": 1}
    logged = control(emulator, "GET", "requests").json()["requests"]
    assert logged == [
        {"method": "GET", "path": "/api/v2/tickets/2.json", "query": "", "status": 200}
    ]
    assert control(emulator, "GET", "nothing").status_code == 404


def test_a_token_revoked_at_run_time_is_refused_until_it_is_restored(
    emulator: Emulator, api: Api
) -> None:
    assert api.get("/api/v2/tickets/2.json").status_code == 200
    revoked = control(emulator, "POST", "credentials", {"revoke": WORKER_TOKEN})
    assert revoked.json() == {"revoked": [WORKER_TOKEN]}
    refused = api.get("/api/v2/tickets/2.json")
    assert refused.status_code == 401
    assert refused.json() == {"error": "Couldn't authenticate you"}
    bearer = {"Authorization": "Bearer oauth-secret"}
    url = f"{emulator.base_url}/api/v2/tickets/2.json"
    assert requests.get(url, timeout=10, headers=bearer).status_code == 200  # only that token
    emulator.revoke_token("oauth-secret")
    assert requests.get(url, timeout=10, headers=bearer).status_code == 401
    restored = control(emulator, "POST", "credentials", {"restore": WORKER_TOKEN})
    assert restored.json() == {"revoked": ["oauth-secret"]}
    assert api.get("/api/v2/tickets/2.json").status_code == 200
    assert control(emulator, "POST", "credentials", {"revoke": "nope"}).status_code == 400
    assert control(emulator, "POST", "credentials", {"drop": "x"}).status_code == 400
