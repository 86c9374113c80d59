"""Fixtures of the conformance suites: the patched spec as a checker, the demo world in a
running emulator, and an HTTP client whose every exchange is recorded.

The demo world (fixtures/scenarios/demo.yaml) is used as it ships, plus one credential
for an agent (user 11), so the suites can also show what a non-admin is refused, and
custom user and organization fields with a few values, so their lists are not empty.
Its clock is frozen at ``START`` and its rate limits are off unless a test says otherwise.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import yaml

from emulator import Emulator, RateLimits, Scenario
from sync.cli.demo import DEMO_SCENARIO
from tests.conformance.checker import Conformance
from tests.conformance.spec import shared_patched
from tests.conformance.traffic import Exchange, TrafficRecorder

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
#: (operation, generation mode, status) -> requests: what the generated run sent.
Counts = Counter[tuple[str, str, int]]
GENERATED = pytest.StashKey[Counts]()
WORKER = ("zdsync@ispnext.example", "demo-token")
AGENT = ("ines@ispnext.example", "agent-token")


USER_FIELDS = [
    {"id": 7001, "key": "contract", "title": "Partner contract", "type": "text"},
    {"id": 7002, "key": "tier", "title": "Tier", "type": "dropdown",
     "options": {"Gold": "gold", "Silver": "silver"}},
]  # fmt: skip
ORGANIZATION_FIELDS = [{"id": 7101, "key": "customer_number", "type": "integer"}]


def demo_scenario() -> Scenario:
    """The demo world with an extra API token for agent 11 (Ines, ISPnext staff) and
    custom user and organization fields, set on user 21 and organization 401."""
    data: dict[str, Any] = yaml.safe_load(DEMO_SCENARIO.read_text())
    data["credentials"] = [*data["credentials"], {"user": 11, "token": AGENT[1]}]
    data["user_fields"], data["organization_fields"] = USER_FIELDS, ORGANIZATION_FIELDS
    for user in data["users"]:
        if user["id"] == 21:
            user["fields"] = {"contract": "ACME-2024", "tier": "gold"}
    for organization in data["organizations"]:
        if organization["id"] == 401:
            organization["fields"] = {"customer_number": 40101}
    return Scenario.from_mapping(data, source=DEMO_SCENARIO.name)


def basic(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()


class Api:
    """requests against one emulator as the worker, recording every exchange."""

    def __init__(self, base_url: str, credentials: tuple[str, str] = WORKER) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = basic(*credentials)
        self.recorder = TrafficRecorder()
        self.recorder.install(self.session)

    def send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        url = path if path.startswith("http") else self.base_url + path
        response = self.session.request(method, url, timeout=10, **kwargs)
        return Exchange.of(response)

    def close(self) -> None:
        self.session.close()


@pytest.fixture(scope="session")
def conformance() -> Conformance:
    """The spec with its documented overrides, ready to check exchanges."""
    return Conformance(shared_patched())


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with Emulator(
        demo_scenario(), start=START, frozen=True, rate_limits=RateLimits.disabled()
    ) as emulator:
        yield emulator


@pytest.fixture
def api(demo: Emulator) -> Iterator[Api]:
    client = Api(demo.base_url)
    yield client
    client.close()


def assert_conforms(conformance: Conformance, exchange: Exchange, status: int) -> None:
    """The answer has the expected status and validates against the spec."""
    assert exchange.status == status, f"{exchange}: {exchange.response_body[:300]!r}"
    problems = conformance.response_problems(exchange)
    assert problems == [], f"{exchange} does not conform:\n" + "\n".join(problems)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """How many generated requests ran, and what they were answered."""
    counts = config.stash.get(GENERATED, None)
    if not counts:
        return
    by_mode: dict[str, Counter[int]] = {}
    for (_, mode, status), number in counts.items():
        by_mode.setdefault(mode, Counter())[status] += number
    operations = len({name for name, _, _ in counts})
    terminalreporter.write_line(
        f"conformance: {sum(counts.values())} generated requests over {operations} operations"
    )
    for mode, statuses in sorted(by_mode.items()):
        spread = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        terminalreporter.write_line(f"  {mode}: {spread}")
