"""Response conformance: every endpoint the emulator serves, answering successes and
errors alike, validated against the spec's response schema for that path, method and
status (the patched spec: tests/conformance/overrides.py).

The table drives one request per row; the flows that need an earlier answer (export
cursors, pagination links, job ids, a current ``updated_stamp``) have tests of their own
below. The last tests check that the table and those flows reach every route of the
emulator and every error status the issue names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from emulator import Emulator, RateLimits
from emulator.emulator import api_routes
from emulator.jobs import JobBook
from emulator.routing import Router
from tests.conformance.checker import Conformance
from tests.conformance.conftest import (
    AGENT,
    START,
    WORKER,
    Api,
    assert_conforms,
    basic,
    demo_scenario,
)

EXPORT = "/api/v2/incremental/tickets/cursor.json"
USERS_EXPORT = "/api/v2/incremental/users/cursor.json"
ORGANIZATIONS_EXPORT = "/api/v2/incremental/organizations.json"
#: A start_time a month before the clock: the whole demo world.
SINCE = int(START.timestamp()) - 30 * 86400
MANY = ",".join(str(n) for n in range(1, 102))
STALE = "2000-01-01T00:00:00Z"
NOTE = {"body": "Checked by the conformance suite.", "public": False}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    body: Any = None
    #: Sent as is instead of ``body`` (e.g. not JSON).
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: (email, token), or None for no Authorization header at all.
    credentials: tuple[str, str] | None = WORKER
    #: The ``error`` the body must name, when the row is about one.
    error: str | None = None

    def __str__(self) -> str:
        return self.name


CASES = [
    # -- successes ---------------------------------------------------------------------
    Case("export first page", "GET", f"{EXPORT}?start_time={SINCE}&per_page=5", 200),
    Case("export, float start_time", "GET", f"{EXPORT}?start_time={SINCE}.5", 200),
    Case("show ticket", "GET", "/api/v2/tickets/1001.json", 200),
    Case("show ticket without .json", "GET", "/api/v2/tickets/1014", 200),
    Case("show many, some missing", "GET", "/api/v2/tickets/show_many.json?ids=1001,1015,9", 200),
    Case("update with note and tags", "PUT", "/api/v2/tickets/1003.json", 200,
         {"ticket": {"status": "pending", "comment": NOTE, "additional_tags": ["zdsync"]}}),
    Case("update that changes nothing", "PUT", "/api/v2/tickets/1003.json", 200,
         {"ticket": {"subject": "DNS record for new warehouse portal"}}),
    Case("create", "POST", "/api/v2/tickets.json", 201,
         {"ticket": {"subject": "Change request", "comment": NOTE, "group_id": 100,
                     "tags": ["zdsync_follow_up"], "external_id": "zdsync-1"}}),
    Case("create a follow-up", "POST", "/api/v2/tickets.json", 201,
         {"ticket": {"subject": "Follow-up", "comment": NOTE, "via_followup_source_id": 1022}}),
    Case("update many by ids", "PUT", "/api/v2/tickets/update_many.json?ids=1001,1002", 200,
         {"ticket": {"additional_tags": ["zdsync_seen"]}}),
    Case("update many by list", "PUT", "/api/v2/tickets/update_many.json", 200,
         {"tickets": [{"id": 1005, "remove_tags": ["vip"]}, {"id": 1014, "status": "open"}]}),
    Case("audits", "GET", "/api/v2/tickets/1004/audits.json", 200),
    Case("comments", "GET", "/api/v2/tickets/1017/comments.json", 200),
    Case("users", "GET", "/api/v2/users.json", 200),
    Case("users by roles", "GET", "/api/v2/users.json?role[]=agent&role[]=admin", 200),
    Case("users by role, offset page", "GET", "/api/v2/users.json?role=agent&per_page=3&page=2",
         200),
    Case("me", "GET", "/api/v2/users/me.json", 200),
    Case("me by OAuth", "GET", "/api/v2/users/me.json", 200,
         headers={"Authorization": "Bearer demo-oauth-token"}, credentials=None),
    Case("light agent", "GET", "/api/v2/users/22.json", 200),
    Case("end user", "GET", "/api/v2/users/601.json", 200),
    Case("users show many", "GET", "/api/v2/users/show_many.json?ids=1,22,601,9", 200),
    Case("user's memberships", "GET", "/api/v2/users/21/group_memberships.json", 200),
    Case("groups", "GET", "/api/v2/groups.json", 200),
    Case("group", "GET", "/api/v2/groups/201.json", 200),
    Case("group's memberships", "GET", "/api/v2/groups/201/memberships.json", 200),
    Case("memberships, cursor page", "GET", "/api/v2/group_memberships.json?page[size]=3", 200),
    Case("organizations", "GET", "/api/v2/organizations.json", 200),
    Case("ticket fields", "GET", "/api/v2/ticket_fields.json", 200),
    Case("custom statuses", "GET", "/api/v2/custom_statuses.json", 200),
    Case("user fields", "GET", "/api/v2/user_fields.json", 200),
    Case("user fields, cursor page", "GET", "/api/v2/user_fields.json?page[size]=1", 200),
    Case("organization fields", "GET", "/api/v2/organization_fields.json", 200),
    Case("user with custom field values", "GET", "/api/v2/users/21.json", 200),
    Case("organization fields, cursor page", "GET",
         "/api/v2/organization_fields.json?page[size]=10", 200),
    Case("ticket forms", "GET", "/api/v2/ticket_forms.json", 200),
    Case("inactive ticket forms", "GET", "/api/v2/ticket_forms.json?active=false", 200),
    Case("tags", "GET", "/api/v2/tags.json", 200),
    Case("tags, offset page", "GET", "/api/v2/tags.json?per_page=2&page=2", 200),
    Case("export with metric sets", "GET",
         f"{EXPORT}?start_time={SINCE}&per_page=10&include=metric_sets", 200),
    Case("users export", "GET", f"{USERS_EXPORT}?start_time=0&per_page=5", 200),
    Case("organizations export", "GET", f"{ORGANIZATIONS_EXPORT}?start_time=0", 200),
    # -- 401 ---------------------------------------------------------------------------
    Case("wrong token", "GET", "/api/v2/users/me.json", 401,
         credentials=("zdsync@ispnext.example", "wrong")),
    Case("no credentials", "PUT", "/api/v2/tickets/1001.json", 401,
         {"ticket": {"status": "open"}}, credentials=None),
    Case("password instead of token", "GET", EXPORT + f"?start_time={SINCE}", 401,
         headers={"Authorization": "Basic ZW1haWxAZXhhbXBsZTpzZWNyZXQ="}, credentials=None),
    # -- 403 ---------------------------------------------------------------------------
    Case("export as an agent", "GET", f"{EXPORT}?start_time={SINCE}", 403, credentials=AGENT),
    Case("users export as an agent", "GET", f"{USERS_EXPORT}?start_time=0", 403,
         credentials=AGENT),
    Case("organizations export as an agent", "GET", f"{ORGANIZATIONS_EXPORT}?start_time=0", 403,
         credentials=AGENT),
    # -- 404 ---------------------------------------------------------------------------
    Case("missing ticket", "GET", "/api/v2/tickets/9.json", 404),
    Case("deleted ticket", "GET", "/api/v2/tickets/1015.json", 404),
    Case("update a missing ticket", "PUT", "/api/v2/tickets/9.json", 404,
         {"ticket": {"status": "open"}}),
    Case("audits of a missing ticket", "GET", "/api/v2/tickets/9/audits.json", 404),
    Case("comments of a missing ticket", "GET", "/api/v2/tickets/9/comments.json", 404),
    Case("missing user", "GET", "/api/v2/users/9.json", 404),
    Case("missing user's memberships", "GET", "/api/v2/users/9/group_memberships.json", 404),
    Case("missing group", "GET", "/api/v2/groups/9.json", 404),
    Case("missing group's memberships", "GET", "/api/v2/groups/9/memberships.json", 404),
    Case("missing job", "GET", "/api/v2/job_statuses/V3-0.json", 404),
    # -- 409 ---------------------------------------------------------------------------
    Case("stale updated_stamp", "PUT", "/api/v2/tickets/1004.json", 409,
         {"ticket": {"status": "open", "safe_update": True, "updated_stamp": STALE}}),
    # -- 422 ---------------------------------------------------------------------------
    Case("closed ticket", "PUT", "/api/v2/tickets/1014.json", 422,
         {"ticket": {"comment": NOTE}}),
    Case("unknown status", "PUT", "/api/v2/tickets/1005.json", 422,
         {"ticket": {"status": "escalated"}}),
    Case("light agent as assignee", "PUT", "/api/v2/tickets/1005.json", 422,
         {"ticket": {"assignee_id": 22}}),
    Case("create without a comment", "POST", "/api/v2/tickets.json", 422,
         {"ticket": {"subject": "No description"}}),
    Case("export start_time too recent", "GET", f"{EXPORT}?start_time={int(START.timestamp())}",
         422),
    Case("export without start_time", "GET", EXPORT, 422),
    Case("users export without start_time", "GET", USERS_EXPORT, 422),
    Case("organizations export start_time too recent", "GET",
         f"{ORGANIZATIONS_EXPORT}?start_time={int(START.timestamp())}", 422),
    # -- 400 ---------------------------------------------------------------------------
    Case("show many, 101 ids", "GET", f"/api/v2/tickets/show_many.json?ids={MANY}", 400,
         error="TooManyValues"),
    Case("update many, 101 ids", "PUT", f"/api/v2/tickets/update_many.json?ids={MANY}", 400,
         {"ticket": {"additional_tags": ["x"]}}, error="TooManyValues"),
    Case("update many, 101 tickets", "PUT", "/api/v2/tickets/update_many.json", 400,
         {"tickets": [{"id": n, "status": "open"} for n in range(1, 102)]},
         error="TooManyValues"),
    Case("job statuses, 101 ids", "GET", f"/api/v2/job_statuses/show_many.json?ids={MANY}", 400,
         error="TooManyValues"),
    Case("users show many, 101 ids", "GET", f"/api/v2/users/show_many.json?ids={MANY}", 400,
         error="TooManyValues"),
    Case("body not JSON", "PUT", "/api/v2/tickets/1005.json", 400, raw=b'{"ticket": {',
         headers={"Content-Type": "application/json"}),
    Case("body not a ticket", "PUT", "/api/v2/tickets/1005.json", 400, [1, 2]),
    Case("cursor and start_time", "GET", f"{EXPORT}?start_time={SINCE}&cursor=abc", 400),
    Case("unknown cursor", "GET", f"{EXPORT}?cursor=bm90IGEgY3Vyc29y", 400),
    Case("users export, unknown cursor", "GET", f"{USERS_EXPORT}?cursor=bm90IGEgY3Vyc29y", 400),
    Case("tags, page size over 100", "GET", "/api/v2/tags.json?page[size]=101", 400),
    Case("page size over 100", "GET", "/api/v2/groups.json?page[size]=101", 400),
    # -- 415 ---------------------------------------------------------------------------
    Case("not JSON content type", "PUT", "/api/v2/tickets/1005.json", 415,
         raw=b"status=open", headers={"Content-Type": "application/x-www-form-urlencoded"}),
]  # fmt: skip


def send(api: Api, case: Case) -> Any:
    headers = dict(case.headers)
    if case.credentials is None:
        api.session.headers.pop("Authorization", None)
    elif case.credentials != WORKER:
        headers.setdefault("Authorization", basic(*case.credentials))
    if case.raw is not None:
        return api.send(case.method, case.path, data=case.raw, headers=headers)
    if case.body is not None:
        return api.send(case.method, case.path, json=case.body, headers=headers)
    return api.send(case.method, case.path, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_answer_conforms(case: Case, api: Api, conformance: Conformance) -> None:
    exchange = send(api, case)
    assert_conforms(conformance, exchange, case.status)
    if case.error is not None:
        assert orjson.loads(exchange.response_body)["error"] == case.error


def test_every_export_page_conforms_to_the_end(api: Api, conformance: Conformance) -> None:
    for query in ("per_page=4", "per_page=4&exclude_deleted=true"):
        exchange = api.send("GET", f"{EXPORT}?start_time={SINCE}&{query}")
        pages = 1
        while True:
            assert_conforms(conformance, exchange, 200)
            page = orjson.loads(exchange.response_body)
            if page["end_of_stream"]:
                break
            exchange = api.send("GET", page["after_url"])
            pages += 1
        assert pages >= 5  # 26 tickets, 4 a page: the walk really paged
        # The last cursor resumes: an empty page that conforms too.
        assert_conforms(conformance, api.send("GET", page["after_url"]), 200)


def test_the_users_export_conforms_to_the_end(api: Api, conformance: Conformance) -> None:
    exchange = api.send("GET", f"{USERS_EXPORT}?start_time=0&per_page=7")
    pages, users = 1, []
    while True:
        assert_conforms(conformance, exchange, 200)
        page = orjson.loads(exchange.response_body)
        users += [user["id"] for user in page["users"]]
        if page["end_of_stream"]:
            break
        exchange = api.send("GET", page["after_url"])
        pages += 1
    assert pages >= 3 and len(users) == len(set(users)) > 14
    resumed = api.send("GET", page["after_url"])
    assert_conforms(conformance, resumed, 200)
    assert orjson.loads(resumed.response_body)["users"] == []


def test_the_organizations_export_conforms_page_after_page(
    api: Api, conformance: Conformance
) -> None:
    first = api.send("GET", f"{ORGANIZATIONS_EXPORT}?start_time=0&per_page=2")
    assert_conforms(conformance, first, 200)
    page = orjson.loads(first.response_body)
    assert (page["count"], page["end_of_stream"]) == (2, False)
    # The next page starts at end_time, the second every organization is dated.
    following = api.send("GET", page["next_page"])
    assert_conforms(conformance, following, 200)
    assert f"start_time={page['end_time']}" in page["next_page"]
    last = api.send("GET", f"{ORGANIZATIONS_EXPORT}?start_time=0&per_page=1000")
    assert_conforms(conformance, last, 200)
    assert orjson.loads(last.response_body)["end_of_stream"] is True


def test_cursor_pagination_conforms_page_after_page(api: Api, conformance: Conformance) -> None:
    for path in ("/api/v2/tickets/1004/audits.json?page[size]=1",
                 "/api/v2/users.json?page[size]=4",
                 "/api/v2/tags.json?page[size]=2",
                 "/api/v2/tickets/1009/comments.json?page[size]=1"):  # fmt: skip
        exchange = api.send("GET", path)
        for _ in range(30):
            assert_conforms(conformance, exchange, 200)
            body = orjson.loads(exchange.response_body)
            if not body["meta"]["has_more"]:
                break
            exchange = api.send("GET", body["links"]["next"])
        else:
            pytest.fail(f"{path}: has_more never turned false")


def test_a_safe_update_with_the_current_stamp_conforms(
    api: Api, demo: Emulator, conformance: Conformance
) -> None:
    shown = api.send("GET", "/api/v2/tickets/1006.json")
    stamp = orjson.loads(shown.response_body)["ticket"]["updated_at"]
    change = {"status": "open", "comment": NOTE, "safe_update": True, "updated_stamp": stamp}
    updated = api.send("PUT", "/api/v2/tickets/1006.json", json={"ticket": change})
    assert_conforms(conformance, updated, 200)
    audit = orjson.loads(updated.response_body)["audit"]
    assert [e["type"] for e in audit["events"]][:1] == ["Comment"]


def test_an_idempotent_create_answers_the_same_twice(api: Api, conformance: Conformance) -> None:
    ticket = {"ticket": {"subject": "Maintenance window", "comment": NOTE, "group_id": 100}}
    headers = {"Idempotency-Key": "conformance-1"}
    first = api.send("POST", "/api/v2/tickets.json", json=ticket, headers=headers)
    again = api.send("POST", "/api/v2/tickets.json", json=ticket, headers=headers)
    for exchange in (first, again):
        assert_conforms(conformance, exchange, 201)
    assert again.response_headers["x-idempotency-lookup"] == "hit"
    assert again.response_body == first.response_body


def test_job_statuses_conform_from_queued_to_completed(api: Api, conformance: Conformance) -> None:
    submitted = api.send(
        "PUT", "/api/v2/tickets/update_many.json?ids=1007,1014,9",
        json={"ticket": {"additional_tags": ["zdsync_bulk"]}},
    )  # fmt: skip
    assert_conforms(conformance, submitted, 200)
    job = orjson.loads(submitted.response_body)["job_status"]
    statuses = []
    for _ in range(5):
        polled = api.send("GET", f"/api/v2/job_statuses/{job['id']}.json")
        assert_conforms(conformance, polled, 200)
        statuses.append(orjson.loads(polled.response_body)["job_status"]["status"])
        if statuses[-1] == "completed":
            break
    assert statuses[-1] == "completed", statuses
    many = api.send("GET", f"/api/v2/job_statuses/show_many.json?ids={job['id']},V3-0")
    assert_conforms(conformance, many, 200)
    (done,) = orjson.loads(many.response_body)["job_statuses"]
    # The closed and the missing ticket fail inside the job, not the job itself.
    assert [r["success"] for r in done["results"]] == [True, False, False]


def test_rate_limited_answers_conform_with_retry_after(conformance: Conformance) -> None:
    limits = RateLimits(account_per_minute=2, export_per_minute=1, update_ticket_per_minute=1)
    with Emulator(demo_scenario(), start=START, frozen=True, rate_limits=limits) as emulator:
        api = Api(emulator.base_url)
        try:
            export = [api.send("GET", f"{EXPORT}?start_time={SINCE}") for _ in range(2)]
            update = [
                api.send("PUT", "/api/v2/tickets/1005.json", json={"ticket": {"comment": NOTE}})
                for _ in range(2)
            ]
            account = api.send("GET", "/api/v2/users/me.json")
        finally:
            api.close()
    assert [e.status for e in (*export, *update, account)] == [200, 429, 200, 429, 429]
    for exchange in (export[1], update[1], account):
        assert_conforms(conformance, exchange, 429)
        assert int(exchange.response_headers["Retry-After"]) >= 1


# -- coverage of the table and the flows above -------------------------------------------

#: Routes the flow tests reach (the table cannot: they need an earlier answer).
FLOWS = {"GET /api/v2/job_statuses/{job}", "GET /api/v2/job_statuses/show_many"}
ERRORS_NAMED_BY_THE_ISSUE = {400, 401, 404, 409, 422, 429}


def emulator_routes(emulator: Emulator) -> Router:
    world = emulator.world
    return Router(api_routes(world, JobBook(world)))


def test_the_table_and_the_flows_reach_every_route_of_the_emulator(demo: Emulator) -> None:
    router = emulator_routes(demo)
    reached = set(FLOWS)
    for case in CASES:
        path = urlsplit(case.path).path.removesuffix(".json")
        found = router.find(case.method, path)
        assert found is not None, f"{case}: no route serves {case.method} {path}"
        if 200 <= case.status < 300:
            reached.add(found[0].name)
    assert reached == {route.name for route in router.routes}


def test_the_table_answers_every_error_status_the_issue_names() -> None:
    statuses = {case.status for case in CASES} | {429}  # 429: its own test above
    assert statuses >= ERRORS_NAMED_BY_THE_ISSUE
    assert any(case.error == "TooManyValues" for case in CASES)
