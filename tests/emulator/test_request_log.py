"""The request log is written before the answer leaves: a test that counts requests right
after its client saw the answer must find every one of them (a CI run once counted 1 of
the 2 audit pages a client had already read, because the serving thread logged after
writing). Each test holds the serving thread just after it answered, reads the log while
it is held, then lets it go: on the old order the log is still empty at that moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from emulator import Emulator, FaultKind, FaultRule, server
from tests.emulator.conftest import Api

TICKET = "/api/v2/tickets/2.json"
HOLD_LIMIT = 30.0  # only a guard against a hung test; the release comes from the test


@pytest.fixture
def hold_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], threading.Event]]:
    """``hold_after("_write")`` makes the serving thread wait, after that helper has
    answered, until the returned event is set. (A dropped connection needs no such test:
    its reset reaches the client only when the serving thread lets go of the socket.)"""
    released = threading.Event()

    def hold(name: str) -> threading.Event:
        original: Callable[..., None] = getattr(server, name)

        def held(handler: Any, *args: Any, **kwargs: Any) -> None:
            original(handler, *args, **kwargs)
            released.wait(HOLD_LIMIT)

        monkeypatch.setattr(server, name, held)
        return released

    yield hold
    released.set()


def test_an_answered_request_is_in_the_log_when_its_client_has_the_answer(
    emulator: Emulator, api: Api, hold_after: Callable[[str], threading.Event]
) -> None:
    released = hold_after("_write")
    assert api.get(TICKET).status_code == 200
    logged = [(r.method, r.path, r.status) for r in emulator.request_log]
    released.set()
    assert logged == [("GET", TICKET, 200)]


def test_an_answer_cut_short_is_logged_once_with_its_status(emulator: Emulator, api: Api) -> None:
    emulator.faults.add(FaultRule(FaultKind.TRUNCATED, method="GET", nth=1))
    with pytest.raises(requests.RequestException):
        api.get(TICKET).json()
    assert api.get(TICKET).status_code == 200  # served after the cut answer was logged
    assert [r.status for r in emulator.request_log] == [200, 200]
