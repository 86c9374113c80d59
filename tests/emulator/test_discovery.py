"""What a standard Zendesk client reads at discovery and sync besides tickets: user and
organization fields, ticket forms, tags, the users cursor export, the organizations
time-based export and the export's metric sets, each answered from the world over HTTP."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
import requests

from emulator import Emulator, RateLimits, Scenario
from emulator.directory_routes import ACCOUNT_AGE_SECONDS
from emulator.scenario_values import ScenarioError
from tests.emulator.conftest import SMALL, WORKER_EMAIL, WORKER_TOKEN, Api, basic, small_scenario

USERS_EXPORT = "/api/v2/incremental/users/cursor.json"
ORGANIZATIONS_EXPORT = "/api/v2/incremental/organizations.json"
EXPORT = "/api/v2/incremental/tickets/cursor.json"


def tag_counts(api: Api, query: str = "") -> dict[str, int]:
    answer = api.get(f"/api/v2/tags.json{query}")
    assert answer.status_code == 200, answer.text
    return {tag["name"]: tag["count"] for tag in answer.json()["tags"]}


def test_tags_count_the_tickets_carrying_them(api: Api) -> None:
    before = tag_counts(api)
    for ticket_id in (1, 2):
        change = {"ticket": {"additional_tags": ["vip_customer"]}}
        assert api.put(f"/api/v2/tickets/{ticket_id}.json", change).status_code == 200
    assert tag_counts(api) == {**before, "vip_customer": 2}
    api.put("/api/v2/tickets/2.json", {"ticket": {"remove_tags": ["vip_customer"]}})
    assert tag_counts(api)["vip_customer"] == 1
    # Every tag counted is on a live ticket, as often as the tickets say.
    tickets = [api.ticket(tid) for tid in (1, 2, 3, 5)]
    expected: dict[str, int] = {}
    for ticket in tickets:
        for tag in ticket["tags"]:
            expected[tag] = expected.get(tag, 0) + 1
    assert tag_counts(api) == expected


def test_tags_leave_out_deleted_and_old_tickets_and_rank_by_use() -> None:
    data = copy.deepcopy(SMALL)
    data["tickets"][3]["tags"] = ["only_on_deleted"]  # ticket 4 is deleted
    data["tickets"].append(
        {"id": 6, "created": "-70d", "requester": 100, "subject": "Ancient",
         "description": "Long ago.", "group": 30, "tags": ["ancient", "billing"]},
    )  # fmt: skip
    for ticket in data["tickets"][:3]:
        ticket["tags"] = ["billing"]
    with Emulator(Scenario.from_mapping(data), rate_limits=RateLimits.disabled()) as emulator:
        api = Api(emulator.base_url)
        ranked = api.get("/api/v2/tags.json").json()["tags"]
        cursor_page = api.get("/api/v2/tags.json?page[size]=1").json()
        following = api.get(cursor_page["links"]["next"]).json()
        api.session.close()
    names = [tag["name"] for tag in ranked]
    assert "only_on_deleted" not in names and "ancient" not in names
    assert ranked[0] == {"name": "billing", "count": 3}
    assert [tag["count"] for tag in ranked] == sorted((t["count"] for t in ranked), reverse=True)
    assert cursor_page["tags"] == ranked[:1] and following["tags"] == ranked[1:2]


def test_ticket_forms_hold_the_default_form_the_tickets_name(api: Api) -> None:
    forms = api.get("/api/v2/ticket_forms.json").json()["ticket_forms"]
    (form,) = forms
    assert form["id"] == api.ticket(1)["ticket_form_id"]
    assert form["default"] is True and form["active"] is True
    field_ids = {f["id"] for f in api.get("/api/v2/ticket_fields.json").json()["ticket_fields"]}
    assert set(form["ticket_field_ids"]) == field_ids
    assert {900, 901, 902} <= field_ids
    assert api.get("/api/v2/ticket_forms.json?active=false").json() == {"ticket_forms": []}


def test_user_and_organization_fields_are_empty_lists_of_the_list_shape(api: Api) -> None:
    for kind in ("user_fields", "organization_fields"):
        offset = api.get(f"/api/v2/{kind}.json").json()
        assert offset == {kind: [], "next_page": None, "previous_page": None, "count": 0}
        cursor = api.get(f"/api/v2/{kind}.json?page[size]=5").json()
        assert cursor[kind] == [] and cursor["meta"]["has_more"] is False
    # Users and organizations carry no custom field values either.
    assert api.get("/api/v2/users/100.json").json()["user"]["user_fields"] == {}


FIELDS = {
    "user_fields": [
        {"id": 71, "key": "contract", "title": "Contract"},
        {"id": 72, "key": "tier", "type": "dropdown", "options": {"Gold": "gold", "Tin": "tin"}},
    ],
    "organization_fields": [{"id": 81, "key": "customer_number", "type": "integer"}],
}


def with_fields(**changes: Any) -> Scenario:
    data = copy.deepcopy(SMALL) | copy.deepcopy(FIELDS)
    data["users"][2]["fields"] = {"tier": "gold"}  # user 21
    data["organizations"][0]["fields"] = {"customer_number": 5001}
    data.update(changes)
    return Scenario.from_mapping(data, source="fields")


def test_declared_user_and_organization_fields_are_listed_and_valued() -> None:
    with Emulator(with_fields(), rate_limits=RateLimits.disabled()) as emulator:
        api = Api(emulator.base_url)
        user_fields = api.get("/api/v2/user_fields.json").json()
        first = api.get("/api/v2/user_fields.json?page[size]=1").json()
        second = api.get(first["links"]["next"]).json()
        organization_fields = api.get("/api/v2/organization_fields.json").json()
        alice = api.get("/api/v2/users/21.json").json()["user"]
        ivy = api.get("/api/v2/users/11.json").json()["user"]
        (entity,) = api.get("/api/v2/organizations.json").json()["organizations"]
        exported = api.get(f"{USERS_EXPORT}?start_time=0").json()["users"]
        api.session.close()
    assert [(f["id"], f["key"], f["type"]) for f in user_fields["user_fields"]] == [
        (71, "contract", "text"), (72, "tier", "dropdown")
    ]  # fmt: skip
    assert user_fields["count"] == 2
    assert [o["value"] for o in user_fields["user_fields"][1]["custom_field_options"]] == [
        "gold", "tin"
    ]  # fmt: skip
    assert [f["key"] for f in first["user_fields"] + second["user_fields"]] == ["contract", "tier"]
    assert [f["key"] for f in organization_fields["organization_fields"]] == ["customer_number"]
    assert alice["user_fields"] == {"contract": None, "tier": "gold"}
    assert ivy["user_fields"] == {"contract": None, "tier": None}
    assert entity["organization_fields"] == {"customer_number": 5001}
    assert next(u for u in exported if u["id"] == 21)["user_fields"] == alice["user_fields"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"users": [{"id": 1, "fields": {"nope": "x"}}]},
         "users[0].fields.nope: no such custom field; known keys: contract, tier"),
        ({"users": [{"id": 1, "fields": {"tier": "silver"}}]},
         "users[0].fields.tier: expected one of the options' values (gold, tin)"),
        ({"organizations": [{"id": 5, "name": "X", "fields": {"customer_number": True}}]},
         "organizations[0].fields.customer_number: expected text or a number"),
        ({"user_fields": [{"id": 1, "key": "a b"}]}, "user_fields[0].key: expected letters"),
        ({"user_fields": [{"id": 1, "key": "a", "type": "checkbox"}]},
         "user_fields[0].type: expected one of"),
        ({"user_fields": [{"id": 1, "key": "a"}, {"id": 2, "key": "a"}]},
         "user_fields[1].key: 'a' is declared twice"),
    ],
)  # fmt: skip
def test_bad_custom_fields_in_a_scenario_are_named(change: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(FIELDS) | {"name": "bad"} | change
    with pytest.raises(ScenarioError) as raised:
        Scenario.from_mapping(data, source="bad")
    assert f"bad: {message}" in str(raised.value)


def test_the_users_cursor_export_walks_every_user_once(emulator: Emulator, api: Api) -> None:
    listed = [u["id"] for u in api.get("/api/v2/users.json").json()["users"]]
    page = api.get(f"{USERS_EXPORT}?start_time=0&per_page=4").json()
    exported = [u["id"] for u in page["users"]]
    assert (page["end_of_stream"], page["before_cursor"]) == (False, None)
    assert "per_page=4" in page["after_url"]
    while not page["end_of_stream"]:
        page = api.get(page["after_url"]).json()
        exported += [u["id"] for u in page["users"]]
    assert exported == listed
    # The last page still has its cursor: resuming finds nothing new.
    assert page["after_cursor"] and api.get(page["after_url"]).json()["users"] == []
    decoded = base64.b64decode(page["after_cursor"]).decode()
    since = int(emulator.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS
    assert decoded == f"{since}.0||{listed[-1]}|"
    # Nothing changed after the account's objects were dated.
    later = api.get(f"{USERS_EXPORT}?start_time={since + 1}").json()
    assert later["users"] == [] and later["end_of_stream"] is True


def test_the_organizations_export_is_time_based(emulator: Emulator, api: Api) -> None:
    since = int(emulator.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS
    page = api.get(f"{ORGANIZATIONS_EXPORT}?start_time=0").json()
    assert [o["id"] for o in page["organizations"]] == [500]
    assert page["organizations"][0]["name"] == "Entity One"
    assert (page["count"], page["end_time"], page["end_of_stream"]) == (1, since, True)
    assert page["next_page"].endswith(f"{ORGANIZATIONS_EXPORT}?start_time={since}")
    later = api.get(f"{ORGANIZATIONS_EXPORT}?start_time={since + 1}").json()
    assert (later["organizations"], later["count"], later["end_time"]) == ([], 0, since + 1)


def test_directory_exports_are_for_admins_and_check_start_time(emulator: Emulator) -> None:
    agent = requests.Session()
    agent.headers["Authorization"] = basic("ivy@ispnext.example", "agent-token")
    worker = Api(emulator.base_url)
    now = int(emulator.clock.now().timestamp())
    try:
        for path in (USERS_EXPORT, ORGANIZATIONS_EXPORT):
            forbidden = agent.get(f"{emulator.base_url}{path}?start_time=0", timeout=10)
            assert forbidden.status_code == 403
            assert worker.get(f"{path}?start_time={now}").status_code == 422
            assert worker.get(path).status_code == 422
    finally:
        agent.close()
        worker.session.close()


def metric_sets(api: Api, ticket_id: int) -> dict[str, Any]:
    page = api.get(f"{EXPORT}?start_time=0&include=metric_sets").json()
    assert "include=metric_sets" in page["after_url"]
    by_ticket = {m["ticket_id"]: m for m in page["metric_sets"]}
    exported = {t["id"] for t in page["tickets"] if t["status"] != "deleted"}
    assert set(by_ticket) == exported  # none for deleted tickets
    return by_ticket[ticket_id]


def test_metric_sets_follow_the_tickets_history(emulator: Emulator, api: Api) -> None:
    solved = metric_sets(api, 3)  # created -3d, solved with a reply -2d, closed -1d
    ticket = api.ticket(3)
    audits = api.audits(3)
    assert solved["created_at"] == ticket["created_at"]
    assert solved["solved_at"] == audits[1]["created_at"]
    assert solved["full_resolution_time_in_minutes"] == {"calendar": 1440, "business": 1440}
    assert solved["reply_time_in_minutes"]["calendar"] == 1440
    assert (solved["replies"], solved["reopens"]) == (1, 0)
    assert solved["latest_comment_added_at"] == audits[1]["created_at"]

    handed_over = metric_sets(api, 1)  # created -2d in group 10, to group 20 / Alice -3h
    assert (handed_over["group_stations"], handed_over["assignee_stations"]) == (2, 1)
    assert handed_over["assigned_at"] == api.audits(1)[-1]["created_at"]
    for missing in ("solved_at", "reply_time_in_minutes", "full_resolution_time_in_minutes"):
        assert missing not in handed_over

    # An update moves the metrics with it: the ticket reopened, then solved again.
    emulator.clock.advance(3600)
    api.put("/api/v2/tickets/5.json", {"ticket": {"status": "solved"}})
    emulator.clock.advance(3600)
    api.put("/api/v2/tickets/5.json", {"ticket": {"status": "open"}})
    emulator.clock.advance(3600)
    reopened = metric_sets(api, 5)
    assert reopened["reopens"] == 1 and "solved_at" not in reopened
    assert reopened["first_resolution_time_in_minutes"]["calendar"] == 1440 + 60
    assert reopened["agent_wait_time_in_minutes"]["calendar"] == 1440 + 60  # pending till solved


def test_the_export_without_include_has_no_metric_sets(api: Api) -> None:
    page = api.get(f"{EXPORT}?start_time=0&include=users").json()
    assert "metric_sets" not in page and page["tickets"]


def test_generated_worlds_accept_an_oauth_token() -> None:
    scenario = Scenario.generate(tickets=20, partner_tickets=2)
    (oauth,) = [c for c in scenario.credentials if c.oauth_token]
    with Emulator(scenario, rate_limits=RateLimits.disabled()) as emulator:
        url = f"{emulator.base_url}/api/v2/users/me.json"
        me = requests.get(url, headers={"Authorization": f"Bearer {oauth.oauth_token}"}, timeout=10)
        wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert me.status_code == 200 and me.json()["user"]["id"] == oauth.user
    assert me.json()["user"]["role"] == "admin"
    assert wrong.status_code == 401


def test_an_end_user_made_by_a_new_ticket_joins_the_users_export(
    emulator: Emulator, api: Api
) -> None:
    since = int(emulator.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS
    before = api.get(f"{USERS_EXPORT}?start_time={since + 1}").json()
    assert before["users"] == []
    ticket = {"subject": "Hello", "comment": {"body": "First time here."},
              "requester": {"email": "new@customer.example", "name": "Nina"}}  # fmt: skip
    created = api.post("/api/v2/tickets.json", {"ticket": ticket}).json()["ticket"]
    user = api.get(f"/api/v2/users/{created['requester_id']}.json").json()["user"]
    assert user["created_at"] == user["updated_at"] == created["created_at"]
    # Not before the export's minute of lag has passed, then resumed from the old cursor.
    assert api.get(before["after_url"]).json()["users"] == []
    emulator.clock.advance(61)
    resumed = api.get(before["after_url"]).json()
    assert [(u["id"], u["email"]) for u in resumed["users"]] == [
        (created["requester_id"], "new@customer.example")
    ]


def test_zenpy_discovers_and_syncs_the_world(monkeypatch: pytest.MonkeyPatch) -> None:
    """A third-party client (zenpy, as a user would point it at the emulator) reads every
    endpoint above through its own API, from the world's data."""
    from zenpy import Zenpy

    with Emulator(with_fields(), rate_limits=RateLimits.disabled()) as emulator:
        monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
        monkeypatch.setenv("ZENPY_FORCE_NETLOC", emulator.base_url.removeprefix("http://"))
        zenpy = Zenpy(subdomain="emulator", email=WORKER_EMAIL, token=WORKER_TOKEN,
                      disable_cache=True)  # fmt: skip
        api = Api(emulator.base_url)
        tickets = [api.ticket(tid) for tid in (1, 2, 3, 5)]
        api.session.close()
        assert [f.key for f in zenpy.user_fields()] == ["contract", "tier"]
        assert [f.key for f in zenpy.organization_fields()] == ["customer_number"]
        assert [f.id for f in zenpy.ticket_forms()] == [tickets[0]["ticket_form_id"]]
        tags = {tag.name: tag.count for tag in zenpy.tags()}
        assert tags == {t: sum(t in x["tags"] for x in tickets) for x in tickets for t in x["tags"]}
        assert [u.id for u in zenpy.users.incremental(start_time=0)] == [1, 11, 21, 22, 31, 100]
        assert [o.id for o in zenpy.organizations.incremental(start_time=0)] == [500]
        exported = zenpy.tickets.incremental(start_time=0, include=["metric_sets"])
        assert sorted(t.id for t in exported) == [1, 2, 3, 4, 5]


def test_the_directory_exports_share_the_export_rate_limit() -> None:
    limits = RateLimits(account_per_minute=100, export_per_minute=2, update_ticket_per_minute=10)
    with Emulator(small_scenario(), rate_limits=limits) as emulator:
        api = Api(emulator.base_url)
        statuses = [
            api.get(f"{path}?start_time=0").status_code
            for path in (USERS_EXPORT, ORGANIZATIONS_EXPORT, EXPORT)
        ]
        listing = api.get("/api/v2/users.json").status_code
        api.session.close()
    assert statuses == [200, 200, 429] and listing == 200
