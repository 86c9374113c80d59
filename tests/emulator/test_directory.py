"""Users, groups, memberships, organizations, ticket fields, custom statuses."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Api


def test_users_with_role_filters(api: Api) -> None:
    everyone = api.get("/api/v2/users.json").json()
    assert everyone["count"] == 6
    agents = api.get("/api/v2/users.json?role[]=agent&role[]=admin").json()["users"]
    assert [u["id"] for u in agents] == [1, 11, 21, 22, 31]
    light = next(u for u in agents if u["id"] == 22)
    assert (light["role"], light["role_type"], light["only_private_comments"]) == ("agent", 1, True)
    end_users = api.get("/api/v2/users.json?role=end-user").json()["users"]
    # .get: a sparse record leaves out its null keys (emulator/sparse.py).
    assert [(u["id"], u.get("role_type")) for u in end_users] == [(100, None)]


def test_users_cursor_pagination(api: Api) -> None:
    first = api.get("/api/v2/users.json?page[size]=4").json()
    assert len(first["users"]) == 4 and first["meta"]["has_more"] is True
    second = api.get(first["links"]["next"]).json()
    assert [u["id"] for u in second["users"]] == [31, 100]
    assert second["meta"]["has_more"] is False
    back = api.get(second["links"]["prev"]).json()
    assert [u["id"] for u in back["users"]] == [1, 11, 21, 22]


def test_user_lookups(api: Api) -> None:
    assert api.get("/api/v2/users/21.json").json()["user"]["default_group_id"] == 20
    many = api.get("/api/v2/users/show_many.json?ids=21,100,999").json()["users"]
    assert [u["id"] for u in many] == [21, 100]
    assert api.get("/api/v2/users/999.json").status_code == 404


def test_groups_and_memberships(api: Api) -> None:
    groups = api.get("/api/v2/groups.json").json()["groups"]
    assert [(g["id"], g["name"]) for g in groups] == [
        (10, "ISPnext Support"),
        (20, "Acme Networks"),
        (30, "Billing"),
    ]
    memberships = api.get("/api/v2/group_memberships.json").json()["group_memberships"]
    assert {(m["user_id"], m["group_id"]) for m in memberships} == {
        (1, 10),
        (11, 10),
        (21, 20),
        (22, 20),
        (31, 30),
    }
    acme = api.get("/api/v2/groups/20/memberships.json").json()["group_memberships"]
    assert {m["user_id"] for m in acme} == {21, 22}
    alice = api.get("/api/v2/users/21/group_memberships.json").json()["group_memberships"]
    assert [(m["group_id"], m["default"]) for m in alice] == [(20, True)]


def test_organizations(api: Api) -> None:
    organizations = api.get("/api/v2/organizations.json").json()["organizations"]
    assert [(o["id"], o["name"]) for o in organizations] == [(500, "Entity One")]


def test_ticket_fields_include_the_time_tracking_pair(api: Api) -> None:
    fields: list[dict[str, Any]] = api.get("/api/v2/ticket_fields.json").json()["ticket_fields"]
    by_title = {f["title"]: f for f in fields}
    assert by_title["Total time spent (sec)"]["id"] == 901
    assert by_title["Total time spent (sec)"]["creator_app_name"] == "Time Tracking"
    assert by_title["Time spent last update (sec)"]["type"] == "integer"
    options = by_title["System"]["custom_field_options"]
    assert [(o["name"], o["value"]) for o in options] == [
        ("Mail", "system_mail"),
        ("DNS", "system_dns"),
    ]
    assert by_title["Status"]["type"] == "status"  # system fields come first


def test_custom_statuses_are_not_paginated(api: Api) -> None:
    body = api.get("/api/v2/custom_statuses.json").json()
    assert set(body) == {"custom_statuses"}
    defaults = {s["status_category"]: s["id"] for s in body["custom_statuses"] if s["default"]}
    assert defaults == {"new": 1, "open": 2, "pending": 3, "hold": 4, "solved": 5}


def test_offset_pagination_without_page_parameters(api: Api) -> None:
    page = api.get("/api/v2/users.json?per_page=4").json()
    assert page["count"] == 6 and len(page["users"]) == 4
    assert page["previous_page"] is None
    rest = api.get(page["next_page"]).json()
    assert [u["id"] for u in rest["users"]] == [31, 100]
    assert rest["next_page"] is None
