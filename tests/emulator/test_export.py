"""The cursor-based incremental ticket export: paging, cursors, lag, deleted tickets."""

from __future__ import annotations

import base64
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from emulator import Emulator
from tests.emulator.conftest import Api

EXPORT = "/api/v2/incremental/tickets/cursor.json"


def start_time(emulator: Emulator, days: int = 30) -> int:
    return emulator.clock.timestamp() - days * 86400


def walk(api: Api, first: str) -> list[dict[str, Any]]:
    """Every page from ``first`` until end_of_stream, following after_url."""
    pages = []
    url = first
    for _ in range(50):
        response = api.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        if page["end_of_stream"]:
            return pages
        url = page["after_url"]
    raise AssertionError("the export never reached end_of_stream")


def test_a_single_page_has_zendesks_keys_and_absolute_urls(emulator: Emulator, api: Api) -> None:
    page = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()
    assert set(page) == {
        "tickets",
        "after_url",
        "after_cursor",
        "before_url",
        "before_cursor",
        "end_of_stream",
    }
    assert page["end_of_stream"] is True
    assert page["before_cursor"] is None and page["before_url"] is None
    # After the last page the cursor is still given: it is where the next poll resumes.
    assert page["after_cursor"]
    assert page["after_url"].startswith(emulator.base_url + EXPORT + "?cursor=")
    assert sorted(t["id"] for t in page["tickets"]) == [1, 2, 3, 4, 5]


def test_stream_order_is_generated_timestamp_then_id(emulator: Emulator, api: Api) -> None:
    tickets = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()["tickets"]
    keys = [(t["generated_timestamp"], t["id"]) for t in tickets]
    assert keys == sorted(keys)


def test_per_page_is_echoed_and_pages_cover_every_ticket_once(emulator: Emulator, api: Api) -> None:
    pages = walk(api, f"{EXPORT}?start_time={start_time(emulator)}&per_page=2")
    assert [len(p["tickets"]) for p in pages] == [2, 2, 1]
    assert [p["end_of_stream"] for p in pages] == [False, False, True]
    for page in pages:
        assert parse_qs(urlsplit(page["after_url"]).query)["per_page"] == ["2"]
    ids = [t["id"] for p in pages for t in p["tickets"]]
    assert sorted(ids) == [1, 2, 3, 4, 5]


def test_cursor_is_base64_of_timestamp_and_id(emulator: Emulator, api: Api) -> None:
    page = api.get(f"{EXPORT}?start_time={start_time(emulator)}&per_page=1").json()
    first = page["tickets"][0]
    decoded = base64.b64decode(page["after_cursor"]).decode()
    assert decoded == f"{first['generated_timestamp']}.0||{first['id']}|"


def test_deleted_tickets_are_exported_unless_excluded(emulator: Emulator, api: Api) -> None:
    everything = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()["tickets"]
    assert {t["id"]: t["status"] for t in everything}[4] == "deleted"
    kept = api.get(f"{EXPORT}?start_time={start_time(emulator)}&exclude_deleted=true").json()
    assert 4 not in {t["id"] for t in kept["tickets"]}
    assert "exclude_deleted=true" in kept["after_url"]


def test_resuming_from_the_last_cursor_returns_only_what_changed(
    emulator: Emulator, api: Api
) -> None:
    last = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()
    assert api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "high"}}).status_code == 200
    emulator.clock.advance(61)
    again = api.get(last["after_url"]).json()
    assert [t["id"] for t in again["tickets"]] == [2]
    assert again["tickets"][0]["priority"] == "high"
    assert again["end_of_stream"] is True
    nothing = api.get(again["after_url"]).json()
    assert nothing["tickets"] == []
    assert nothing["after_cursor"] == again["after_cursor"]


def test_the_newest_minute_is_never_returned(emulator: Emulator, api: Api) -> None:
    last = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()
    api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "low"}})
    emulator.clock.advance(30)
    assert api.get(last["after_url"]).json()["tickets"] == []
    emulator.clock.advance(31)
    assert [t["id"] for t in api.get(last["after_url"]).json()["tickets"]] == [2]


def test_start_time_must_be_a_minute_old(emulator: Emulator, api: Api) -> None:
    now = emulator.clock.timestamp()
    for value in (now, now - 30, now + 3600):
        response = api.get(f"{EXPORT}?start_time={value}")
        assert response.status_code == 422, value
        assert response.json()["error"] == "InvalidValue"
    assert api.get(f"{EXPORT}?start_time={now - 61}").status_code == 200


def test_float_start_time_is_accepted(emulator: Emulator, api: Api) -> None:
    response = api.get(f"{EXPORT}?start_time={start_time(emulator)}.5")
    assert response.status_code == 200
    assert len(response.json()["tickets"]) == 5


def test_bad_export_parameters_are_4xx(emulator: Emulator, api: Api) -> None:
    assert api.get(EXPORT).status_code == 422
    both = api.get(f"{EXPORT}?start_time={start_time(emulator)}&cursor=MTAwLjB8fDF8")
    assert both.status_code == 400
    assert api.get(f"{EXPORT}?cursor=not-a-cursor").status_code == 400
    for odd in ("inf", "nan", "1e99", "soon"):
        assert api.get(f"{EXPORT}?start_time={odd}").status_code == 422, odd


def test_tickets_mirror_fields_next_to_custom_fields(emulator: Emulator, api: Api) -> None:
    tickets = api.get(f"{EXPORT}?start_time={start_time(emulator)}").json()["tickets"]
    ticket = next(t for t in tickets if t["id"] == 1)
    assert ticket["fields"] == ticket["custom_fields"]
    assert {"id": 900, "value": "system_mail"} in ticket["custom_fields"]
    assert isinstance(ticket["generated_timestamp"], int)
    assert ticket["custom_status_id"] == 2  # "open" default of the built-in statuses
    assert ticket["url"] == f"{emulator.base_url}/api/v2/tickets/1.json"


def test_zenpy_incremental_export_follows_after_url(emulator: Emulator, zenpy_client: Any) -> None:
    generator = zenpy_client.tickets.incremental(start_time=start_time(emulator))
    ids = sorted(ticket.id for ticket in generator)
    assert ids == [1, 2, 3, 4, 5]
    assert generator.end_of_stream is True
    assert generator.after_cursor


def test_prerendered_documents_are_what_the_api_serves(emulator: Emulator, api: Api) -> None:
    world = emulator.world
    api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "urgent"}})
    stopped = threading.Event()
    stopped.set()
    assert world.prerender(stopped) == 0
    world.prerender(threading.Event())
    rendered = world.tickets[2].rendered
    assert all(t.rendered is not None for t in world.tickets.values())
    assert rendered is not None
    assert orjson.loads(rendered) == api.get("/api/v2/tickets/2.json").json()["ticket"]
    assert orjson.loads(rendered)["priority"] == "urgent"
