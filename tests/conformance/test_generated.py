"""Generated traffic: schemathesis draws requests from the (patched) spec for every
operation the emulator serves and sends them to a running emulator of the demo world.

Bounded and repeatable: ``EXAMPLES`` requests per operation and generation mode, with
Hypothesis derandomized (a fixed seed) and no example database. Positive requests follow
the spec; their ``ticket_id``/``user_id``/``group_id`` are mapped onto ids the demo world
has, so most of them reach a real record rather than a 404. Negative requests break the
spec on purpose (wrong types, missing or malformed values, bad credentials).

Every answer must be: no 5xx (no fault is injected here), a status the operation
declares, the content type it declares, a body that validates against its schema (for
4xx: Zendesk's error body), and declared headers present. Schemathesis's
"negative data rejection" check is left out on purpose: like Zendesk, the emulator
ignores query parameters it does not implement (``?active=`` on custom statuses), so a
spec-violating value there is answered 200; malformed values of what it does read get
Zendesk-shaped 4xx answers (the statuses are printed in the run's summary).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from emulator import Emulator, RateLimits
from tests.conformance.conftest import GENERATED, START, WORKER, Counts, basic, demo_scenario
from tests.conformance.patches import SERVED
from tests.conformance.spec import patched

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
#: Operations with no input a negative request could get wrong: no parameters, or only a
#: free-form string (a job id).
UNBREAKABLE = {
    "GET /api/v2/group_memberships",
    "GET /api/v2/job_statuses/{job_status_id}",
    "GET /api/v2/organization_fields",
    "GET /api/v2/organizations",
    "GET /api/v2/tags",
    "GET /api/v2/user_fields",
    "GET /api/v2/users/me",
}
#: Ids of the demo world that generated path parameters are mapped onto.
KNOWN = {
    "ticket_id": (1001, 1004, 1009, 1013, 1014, 1015, 1017, 1022),
    "user_id": (1, 11, 22, 601),
    "group_id": (100, 201, 202),
}


@pytest.fixture(scope="module")
def generated_emulator() -> Iterator[Emulator]:
    with Emulator(
        demo_scenario(), start=START, frozen=True, rate_limits=RateLimits.disabled()
    ) as emulator:
        yield emulator


def served_operations() -> list[Any]:
    # Credentials are ours to send (the table in test_responses covers 401): generated
    # Authorization headers would turn most negative requests into mere 401s.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(patched(), config=config)
    return [schema[path][method.upper()] for method, path in sorted(SERVED, key=lambda s: s[::-1])]


def drive(
    operation: Any, mode: GenerationMode, base_url: str, counts: Counts
) -> Callable[[], None]:
    """A Hypothesis test that sends ``EXAMPLES`` generated requests and checks each."""
    auth = {"Authorization": basic(*WORKER)}
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        if mode is GenerationMode.POSITIVE:
            for key, value in list((case.path_parameters or {}).items()):
                if key in KNOWN and isinstance(value, int):
                    case.path_parameters[key] = KNOWN[key][value % len(KNOWN[key])]
        response = case.call(base_url=base_url, headers=auth, timeout=10)
        counts[(label, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=auth)

    return send


@pytest.mark.slow
def test_generated_requests_get_conforming_answers_and_no_server_errors(
    generated_emulator: Emulator, request: pytest.FixtureRequest
) -> None:
    operations = served_operations()
    assert {(op.method.lower(), op.path) for op in operations} == SERVED
    counts: Counts = Counter()
    unbreakable = set()
    for operation in operations:
        drive(operation, GenerationMode.POSITIVE, generated_emulator.base_url, counts)()
        try:
            drive(operation, GenerationMode.NEGATIVE, generated_emulator.base_url, counts)()
        except Unsatisfiable:
            unbreakable.add(f"{operation.method.upper()} {operation.path}")
    request.config.stash[GENERATED] = counts
    # Only these have no input a request could get wrong (no parameters, or free strings).
    assert unbreakable == UNBREAKABLE
    driven = {(name, mode) for name, mode, _ in counts}
    assert len(driven) == 2 * len(SERVED) - len(UNBREAKABLE), "every operation, both modes"
    assert [key for key in counts if key[2] >= 500] == []
