"""Fault injection: every kind, triggered over real HTTP, and rule matching."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from emulator import Emulator, EmulatorError, FaultKind, FaultRule, RateLimits
from tests.emulator.conftest import WORKER_EMAIL, WORKER_TOKEN, Api, basic, small_scenario

TICKET = "/api/v2/tickets/2.json"
EXPORT = "/api/v2/incremental/tickets/cursor.json"


def change(api: Api, **fields: Any) -> requests.Response:
    return api.put(TICKET, {"ticket": fields})


def audit_count(emulator: Emulator, ticket_id: int = 2) -> int:
    return len(emulator.snapshot()["tickets"][str(ticket_id)]["audits"])


def test_status_fault_answers_without_applying(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(
        FaultRule(FaultKind.STATUS, method="PUT", path=r"/tickets/\d+$", status=503, first=2)
    )
    assert [change(api, priority="high").status_code for _ in range(2)] == [503, 503]
    assert audit_count(emulator) == 1
    assert change(api, priority="high").status_code == 200
    assert audit_count(emulator) == 2


def test_injected_429_always_has_retry_after(emulator: Emulator, api: Api) -> None:
    emulator.faults.add("status:status=429,nth=1")
    response = api.get(TICKET)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert api.get(TICKET).status_code == 200


def test_500_and_502_bodies(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.STATUS, status=500, nth=1))
    emulator.faults.add(
        FaultRule(FaultKind.STATUS, status=502, body="<html>Bad gateway</html>", nth=1)
    )
    first, second = api.get(TICKET), api.get(TICKET)
    assert (first.status_code, first.json()["error"]) == (500, "InternalServerError")
    assert (second.status_code, second.text) == (502, "<html>Bad gateway</html>")


def test_connection_reset_sends_no_answer_and_applies_nothing(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.RESET, method="PUT", nth=1))
    with pytest.raises(requests.ConnectionError):
        change(api, priority="urgent")
    assert audit_count(emulator) == 1
    assert emulator.request_log[-1].status == 0


def test_slow_answer_trips_a_short_client_timeout(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.SLOW, delay=3.0, nth=1))
    with pytest.raises(requests.Timeout):
        api.session.get(api.url(TICKET), timeout=0.2)
    emulator.faults.add(FaultRule(FaultKind.SLOW, delay=0.05, nth=1))
    assert api.get(TICKET).status_code == 200


def test_timeout_after_apply_applies_the_change_then_drops(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT", delay=3.0, nth=1))
    with pytest.raises(requests.Timeout):
        api.session.put(api.url(TICKET), json={"ticket": {"priority": "urgent"}}, timeout=0.3)
    assert api.ticket(2)["priority"] == "urgent"
    assert audit_count(emulator) == 2


def test_timeout_after_apply_without_delay_resets(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT", nth=1))
    with pytest.raises(requests.ConnectionError):
        change(api, priority="low")
    assert api.ticket(2)["priority"] == "low"


def test_non_json_body(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.NON_JSON, nth=1))
    response = api.get(TICKET)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_truncated_body(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.TRUNCATED, path="/incremental/", nth=1))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.get(f"{EXPORT}?start_time=0")
    assert api.get(f"{EXPORT}?start_time=0").status_code == 200


def test_repeated_cursor(emulator: Emulator, api: Api) -> None:
    first = api.get(f"{EXPORT}?start_time=0&per_page=2").json()
    emulator.faults.add(FaultRule(FaultKind.REPEAT_CURSOR, nth=1))
    repeated = api.get(first["after_url"]).json()
    assert repeated["after_cursor"] == first["after_cursor"]
    assert repeated["end_of_stream"] is False
    assert api.get(first["after_url"]).json()["after_cursor"] != first["after_cursor"]


@pytest.mark.parametrize("query", ["page[size]=1", "per_page=1"], ids=["cursor", "offset"])
def test_repeated_page_links_a_listing_to_itself(emulator: Emulator, api: Api, query: str) -> None:
    emulator.faults.add(FaultRule(FaultKind.REPEAT_PAGE, path="/groups$"))
    first = api.get(f"/api/v2/groups.json?{query}").json()
    again = first["links"]["next"] if "links" in first else first["next_page"]
    assert first.get("meta", {"has_more": True})["has_more"] is True
    repeated = api.get(again.removeprefix(emulator.base_url)).json()
    assert repeated["groups"] == first["groups"]  # the same page, for ever


def test_ticket_missing_fields(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.MISSING_FIELDS, path="/incremental/", ticket=2, nth=1))
    tickets = {t["id"]: t for t in api.get(f"{EXPORT}?start_time=0").json()["tickets"]}
    assert "status" not in tickets[2] and "updated_at" not in tickets[2]
    assert "status" in tickets[1]


def test_unknown_status(emulator: Emulator, api: Api) -> None:
    emulator.faults.add("unknown_status:nth=1")
    assert api.get(TICKET).json()["ticket"]["status"] == "escalated"
    assert api.get(TICKET).json()["ticket"]["status"] == "open"


def test_unknown_event_type(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.UNKNOWN_EVENT, path="/audits", nth=1))
    spoiled = api.get("/api/v2/tickets/1/audits.json").json()["audits"]
    types = {e["type"] for a in spoiled for e in a["events"]}
    assert "HolographicProjection" in types
    assert len(api.audits(1)) == 2  # the world itself is untouched


def test_rules_match_method_and_path_only(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.STATUS, method="PUT", path="/tickets/1$", status=500))
    assert api.get("/api/v2/tickets/1.json").status_code == 200
    assert change(api, priority="low").status_code == 200
    assert api.put("/api/v2/tickets/1.json", {"ticket": {}}).status_code == 500


def test_probability_is_reproducible_with_a_seed(emulator: Emulator, api: Api) -> None:
    def run() -> list[int]:
        emulator.faults.clear()
        emulator.faults.add(FaultRule(FaultKind.STATUS, probability=0.5, seed=7, status=503))
        return [api.get(TICKET).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 503 in first and 200 in first


def test_fault_specs_parse_and_fail_clearly() -> None:
    rule = FaultRule.parse(r"status:status=503,method=put,path=/tickets/\d+$,first=2")
    assert (rule.kind, rule.status, rule.method, rule.first) == (FaultKind.STATUS, 503, "PUT", 2)
    assert FaultRule.parse("missing_fields:fields=status+subject").fields == ("status", "subject")
    for bad in ("explode", "status:status=abc", "status:first", "status:colour=red"):
        with pytest.raises(EmulatorError):
            FaultRule.parse(bad)


def test_hang_never_answers_and_applies_nothing(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.HANG, method="PUT", nth=1))
    with pytest.raises(requests.Timeout):
        api.session.put(api.url(TICKET), json={"ticket": {"priority": "urgent"}}, timeout=0.3)
    assert audit_count(emulator) == 1
    assert change(api, priority="urgent").status_code == 200  # only that request hangs


def test_hang_with_a_delay_drops_the_connection_unanswered(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.HANG, method="PUT", delay=0.05, nth=1))
    with pytest.raises(requests.ConnectionError):
        change(api, priority="urgent")
    assert audit_count(emulator) == 1
    assert emulator.request_log[-1].status == 0


def test_a_hanging_request_does_not_keep_the_emulator_from_closing() -> None:
    outcome: list[BaseException] = []
    with Emulator(small_scenario(), rate_limits=RateLimits.disabled()) as emu:
        rule = emu.faults.add(FaultRule(FaultKind.HANG, method="GET"))
        client = threading.Thread(target=_get_forever, args=(emu.base_url, outcome))
        client.start()
        deadline = time.monotonic() + 30
        while rule.fired == 0 and time.monotonic() < deadline:  # the request arrived
            time.sleep(0.01)
        assert rule.fired == 1
    client.join(timeout=30)  # the client's own timeout is an hour
    assert not client.is_alive()
    assert [type(exc) for exc in outcome] == [requests.ConnectionError]


def _get_forever(base_url: str, outcome: list[BaseException]) -> None:
    try:
        headers = {"Authorization": basic(WORKER_EMAIL, WORKER_TOKEN)}
        requests.get(f"{base_url}{TICKET}", headers=headers, timeout=3600)
    except requests.RequestException as exc:
        outcome.append(exc)
