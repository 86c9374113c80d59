"""Fidelity bugs of the emulator that the conformance suites found, one test each."""

from __future__ import annotations

import orjson

from emulator import Emulator
from tests.conformance.conftest import Api

#: The demo's default custom status of the "solved" category.
SOLVED_DEFAULT = 5


def test_a_closed_ticket_keeps_a_solved_custom_status(demo: Emulator, api: Api) -> None:
    """Found by: custom_status_id null on closed tickets (TicketObject types it integer).
    Zendesk: 'Tickets with a "Closed" status belong to the "solved" status category'
    (developer.zendesk.com, custom ticket statuses), so they carry a custom status."""
    closed_in_history = orjson.loads(api.send("GET", "/api/v2/tickets/1014.json").response_body)
    assert closed_in_history["ticket"]["status"] == "closed"
    assert closed_in_history["ticket"]["custom_status_id"] == SOLVED_DEFAULT

    demo.act(1013, by=11, status="closed")
    closed_now = orjson.loads(api.send("GET", "/api/v2/tickets/1013.json").response_body)
    assert (closed_now["ticket"]["status"], closed_now["ticket"]["custom_status_id"]) == (
        "closed",
        SOLVED_DEFAULT,
    )
