"""Many clients at once: the cached documents never go stale."""

from __future__ import annotations

import threading

from emulator import Emulator
from tests.emulator.conftest import Api


def test_concurrent_reads_and_writes_leave_a_consistent_ticket(emulator: Emulator) -> None:
    errors: list[str] = []

    def write(worker: int) -> None:
        api = Api(emulator.base_url)
        for n in range(25):
            response = api.put("/api/v2/tickets/2.json", {"ticket": {"subject": f"w{worker}-{n}"}})
            if response.status_code != 200:
                errors.append(response.text)

    def read() -> None:
        api = Api(emulator.base_url)
        for _ in range(50):
            api.get("/api/v2/tickets/2.json")
            api.get("/api/v2/incremental/tickets/cursor.json?start_time=0")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    api = Api(emulator.base_url)
    served = api.ticket(2)
    audits = api.audits(2)
    last_subject = next(
        e["value"] for e in reversed(audits[-1]["events"]) if e.get("field_name") == "subject"
    )
    assert served["subject"] == last_subject
    assert len(audits) == 1 + 50
    stamps = [a["created_at"] for a in audits]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
