"""Real-shape details the spec does not state but recordings show (reference notes,
../shared/reference/zendesk-api.md), one test each, against the emulator of the demo world.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from emulator import Emulator, FaultKind, FaultRule, RateLimits
from tests.conformance.conftest import START, Api, demo_scenario

EXPORT = "/api/v2/incremental/tickets/cursor.json"
SINCE = int(START.timestamp()) - 30 * 86400
URL_KEYS = {"url", "after_url", "before_url", "next_page", "previous_page", "next", "prev"}
NOTE = {"body": "Checked.", "public": False}


def body(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    exchange = api.send(method, path, **kwargs)
    assert 200 <= exchange.status < 300, f"{exchange}: {exchange.response_body[:200]!r}"
    return orjson.loads(exchange.response_body)


def urls(document: Any) -> Iterator[str]:
    """Every URL-valued key of a JSON document, however deep."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in URL_KEYS and isinstance(value, str):
                yield value
            else:
                yield from urls(value)
    elif isinstance(document, list):
        for item in document:
            yield from urls(item)


def test_audit_event_values_are_strings_even_for_ids(api: Api) -> None:
    """[rec] ``"value": "6130869168922"``: ids, numbers and statuses as strings, tags as
    arrays of strings, null for nothing."""
    values = []
    for ticket_id in (1001, 1004, 1008, 1013):
        for audit in body(api, "GET", f"/api/v2/tickets/{ticket_id}/audits.json")["audits"]:
            values += [e for e in audit["events"] if e["type"] in {"Create", "Change"}]
    ids = [e for e in values if e["field_name"] in {"group_id", "assignee_id", "requester_id"}]
    assert ids and all(isinstance(e["value"], str) and e["value"].isdigit() for e in ids)
    for event in values:
        for value in (event["value"], event.get("previous_value")):
            assert (
                value is None
                or isinstance(value, str)
                or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            ), event
    custom = [e for e in values if e["field_name"].isdigit()]  # custom field: its id, a string
    assert custom


def test_links_next_is_there_even_when_has_more_is_false(api: Api, demo: Emulator) -> None:
    """[rec] TestTicketAudits.test_values, TestGroupMemberships.test_values: stop on
    ``meta.has_more``, never on a missing link."""
    for path in ("/api/v2/tickets/1001/audits.json?page[size]=100",
                 "/api/v2/group_memberships.json?page[size]=100"):  # fmt: skip
        page = body(api, "GET", path)
        assert page["meta"]["has_more"] is False
        assert page["links"]["next"].startswith(demo.base_url)
        assert "page%5Bsize%5D=100" in page["links"]["next"]


def test_the_last_export_page_still_carries_after_cursor(api: Api) -> None:
    """[rec] TicketsIncrementalTest.test_get_values: end_of_stream true *and*
    after_cursor/after_url present; the next poll resumes from them."""
    page = body(api, "GET", f"{EXPORT}?start_time={SINCE}")
    assert page["end_of_stream"] is True
    assert page["after_cursor"] and page["after_url"]
    assert page["before_cursor"] is None and page["before_url"] is None
    resumed = body(api, "GET", f"{EXPORT}?cursor={page['after_cursor']}")
    assert (resumed["tickets"], resumed["end_of_stream"]) == ([], True)


def test_answers_carry_both_rate_limit_header_families() -> None:
    """[rec] every cassette: ``x-rate-limit``/``x-rate-limit-remaining`` and
    ``ratelimit-limit``/``-remaining``/``-reset``, telling the same story."""
    with Emulator(demo_scenario(), start=START, frozen=True, rate_limits=RateLimits()) as emu:
        api = Api(emu.base_url)
        try:
            first = api.send("GET", "/api/v2/users/me.json").response_headers
            second = api.send("GET", f"{EXPORT}?start_time={SINCE}").response_headers
        finally:
            api.close()
    for headers in (first, second):
        assert headers["x-rate-limit"] == headers["ratelimit-limit"] == "700"
        assert headers["x-rate-limit-remaining"] == headers["ratelimit-remaining"]
        assert int(headers["ratelimit-reset"]) >= 1
    assert int(second["x-rate-limit-remaining"]) == int(first["x-rate-limit-remaining"]) - 1


LIMITS = {
    "account": (RateLimits(1, None, None, None), ["/api/v2/users/me.json"] * 2),
    "export": (RateLimits(None, 1, None, None), [f"{EXPORT}?start_time={SINCE}"] * 2),
    "update ticket": (RateLimits(None, None, 1, None), ["PUT 1005", "PUT 1006"]),
    "per ticket": (RateLimits(None, None, None, 1), ["PUT 1005", "PUT 1005"]),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_every_429_carries_an_integer_retry_after(limit: str) -> None:
    """[doc RL] 429 + ``Retry-After: <seconds>``, from whichever limit refused."""
    limits, requests = LIMITS[limit]
    with Emulator(demo_scenario(), start=START, frozen=True, rate_limits=limits) as emu:
        api = Api(emu.base_url)
        try:
            answers = [
                api.send("PUT", f"/api/v2/tickets/{r[4:]}.json", json={"ticket": {"comment": NOTE}})
                if r.startswith("PUT ")
                else api.send("GET", r)
                for r in requests
            ]
        finally:
            api.close()
    assert [a.status for a in answers] == [200, 429]
    assert int(answers[1].response_headers["Retry-After"]) >= 1


def test_an_injected_429_carries_retry_after_too(demo: Emulator, api: Api) -> None:
    demo.faults.add(FaultRule(FaultKind.STATUS, method="GET", path="/users/me$", status=429))
    try:
        refused = api.send("GET", "/api/v2/users/me.json")
    finally:
        demo.faults.clear()
    assert refused.status == 429
    assert int(refused.response_headers["Retry-After"]) >= 1


def test_urls_are_absolute_and_point_back_at_the_server(api: Api, demo: Emulator) -> None:
    """[rec] after_url, links.next, next_page and every object's url are absolute;
    zenpy follows them verbatim (reference notes section 13)."""
    documents = [
        body(api, "GET", f"{EXPORT}?start_time={SINCE}&per_page=3"),
        body(api, "GET", "/api/v2/tickets/1004/audits.json?page[size]=1"),
        body(api, "GET", "/api/v2/users.json?per_page=3&page=2"),
        body(api, "GET", "/api/v2/ticket_fields.json"),
        body(api, "GET", "/api/v2/custom_statuses.json"),
        body(api, "PUT", "/api/v2/tickets/update_many.json?ids=1001", json={"ticket": {}}),
    ]
    found = [url for document in documents for url in urls(document)]
    assert len(found) > 20
    assert [u for u in found if not u.startswith(demo.base_url + "/api/v2/")] == []
    created = api.send("POST", "/api/v2/tickets.json",
                       json={"ticket": {"subject": "New", "comment": NOTE}})  # fmt: skip
    assert created.response_headers["Location"].startswith(demo.base_url + "/api/v2/tickets/")


def test_tickets_mirror_custom_fields_as_fields(api: Api) -> None:
    """[rec] every recorded ticket has ``fields`` next to ``custom_fields``, the same list."""
    tickets = [
        body(api, "GET", "/api/v2/tickets/1001.json")["ticket"],
        *body(api, "GET", "/api/v2/tickets/show_many.json?ids=1008,1011")["tickets"],
        *body(api, "GET", f"{EXPORT}?start_time={SINCE}")["tickets"],
        body(api, "PUT", "/api/v2/tickets/1012.json", json={"ticket": {"comment": NOTE}})["ticket"],
    ]
    for ticket in tickets:
        assert ticket["custom_fields"], ticket["id"]
        assert ticket["fields"] == ticket["custom_fields"], ticket["id"]


def test_only_the_export_carries_generated_timestamp(api: Api) -> None:
    """[rec] zendesk-api.md section 1: ``generated_timestamp`` is on every exported ticket
    and on no other answer (show, show_many, update, create)."""
    exported = body(api, "GET", f"{EXPORT}?start_time={SINCE}")["tickets"]
    assert exported and all(isinstance(t["generated_timestamp"], int) for t in exported)
    others = [
        body(api, "GET", "/api/v2/tickets/1001.json")["ticket"],
        *body(api, "GET", "/api/v2/tickets/show_many.json?ids=1008,1011")["tickets"],
        body(api, "PUT", "/api/v2/tickets/1012.json", json={"ticket": {"comment": NOTE}})["ticket"],
        body(api, "POST", "/api/v2/tickets.json",
             json={"ticket": {"subject": "New", "comment": NOTE}})["ticket"],
    ]  # fmt: skip
    assert [t["id"] for t in others if "generated_timestamp" in t] == []
    (same,) = [t for t in exported if t["id"] == 1001]
    assert {k: v for k, v in same.items() if k != "generated_timestamp"} == others[0]


def test_a_float_start_time_is_accepted(api: Api) -> None:
    """[src] zenpy sends a numeric start_time as ``str(value)``, so a float from
    ``datetime.timestamp()`` goes out as ``1738368000.5``; Zendesk accepts it (the issue
    lists it among the recorded details; the spec types start_time as integer)."""
    whole = body(api, "GET", f"{EXPORT}?start_time={SINCE}")
    fractional = body(api, "GET", f"{EXPORT}?start_time={SINCE}.5")
    assert [t["id"] for t in fractional["tickets"]] == [t["id"] for t in whole["tickets"]]
    assert len(whole["tickets"]) > 20
