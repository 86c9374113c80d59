"""The origin the emulator writes into absolute URLs: never a wildcard bind address
(``http://0.0.0.0:8080`` reaches nothing), and ``--public-url`` when clients know it by
another name (``http://emulator:8080`` in docker-compose)."""

from __future__ import annotations

from pathlib import Path

import requests

from emulator import Emulator, RateLimits, Scenario
from tests.emulator.conftest import basic

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "demo.yaml"
AUTH = {"Authorization": basic("zdsync@ispnext.example", "demo-token")}


def first_export_page(emulator: Emulator, reach: str) -> dict[str, object]:
    answer = requests.get(
        f"http://{reach}:{emulator.bound_port}/api/v2/incremental/tickets/cursor.json",
        params={"start_time": 0, "per_page": 5},
        headers=AUTH,
        timeout=10,
    )
    answer.raise_for_status()
    page: dict[str, object] = answer.json()
    return page


def test_a_wildcard_bind_writes_loopback_links() -> None:
    scenario = Scenario.load(DEMO)
    with Emulator(scenario, host="0.0.0.0", rate_limits=RateLimits.disabled()) as emulator:
        origin = f"http://127.0.0.1:{emulator.bound_port}"
        assert emulator.base_url == origin
        page = first_export_page(emulator, "127.0.0.1")
    assert str(page["after_url"]).startswith(origin + "/api/v2/incremental/")
    assert "0.0.0.0" not in str(page)


def test_the_public_url_is_written_into_every_absolute_url() -> None:
    scenario = Scenario.load(DEMO)
    with Emulator(
        scenario,
        host="0.0.0.0",
        rate_limits=RateLimits.disabled(),
        public_url="http://emulator:8080/",
    ) as emulator:
        assert emulator.base_url == "http://emulator:8080"
        page = first_export_page(emulator, "127.0.0.1")
    assert str(page["after_url"]).startswith("http://emulator:8080/api/v2/incremental/")
    tickets = page["tickets"]
    assert isinstance(tickets, list) and tickets
    assert all(t["url"].startswith("http://emulator:8080/api/v2/tickets/") for t in tickets)
