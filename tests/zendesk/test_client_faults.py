"""The real client against the emulator's injected faults: malformed input is logged with
the record's id and skipped, transient failures are retried, and nothing valid is lost.
The client's sleep is recorded instead of slept, so Retry-After is checked, not waited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import FaultKind, FaultRule, RateLimits
from sync.errors import ZendeskRateLimited, ZendeskRejected, ZendeskUnavailable
from tests.contract.worlds import TICKETS, EmulatorWorld, emulator_world

EXPORT = r"/incremental/tickets/cursor$"
ALL_IDS = sorted(t for t, _ in TICKETS)


@pytest.fixture
def world() -> Iterator[EmulatorWorld]:
    with emulator_world() as world:
        yield world


def exported_ids(world: EmulatorWorld, cursor: str | None = None) -> list[int]:
    pages = world.reader.export_tickets(
        cursor=cursor, start_time=world.start_time(), system_field_id=None
    )
    return sorted(t.id for page in pages for t in page.tickets)


def fault(world: EmulatorWorld, kind: FaultKind, **options: object) -> FaultRule:
    return world.emulator.faults.add(FaultRule(kind=kind, **options))  # type: ignore[arg-type]


def test_a_ticket_missing_fields_is_skipped_by_id_and_the_rest_kept(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    fault(world, FaultKind.MISSING_FIELDS, path=EXPORT, ticket=3, fields=("updated_at",))
    pages = list(
        world.reader.export_tickets(
            cursor=None, start_time=world.start_time(), system_field_id=None
        )
    )
    assert sorted(t.id for p in pages for t in p.tickets) == [i for i in ALL_IDS if i != 3]
    assert sum(p.skipped for p in pages) == 1
    assert "ticket 3: missing 'updated_at'" in caplog.text
    (skipped,) = [r for r in caplog.records if "skipping exported" in r.getMessage()]
    assert (skipped.step, skipped.ticket_id, skipped.error) == ("pull", 3, "BadRecord")  # type: ignore[attr-defined]
    # Named with its reason, so the pull can remember it and read it again on its own.
    unreadable = [record for page in pages for record in page.unreadable]
    assert [(r.ticket_id, r.reason) for r in unreadable] == [(3, "missing 'updated_at'")]


def test_a_ticket_without_its_id_is_logged_with_what_is_known_and_counted(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    fault(world, FaultKind.MISSING_FIELDS, path=EXPORT, ticket=3, fields=("id",))
    pages = list(
        world.reader.export_tickets(
            cursor=None, start_time=world.start_time(), system_field_id=None
        )
    )
    assert sorted(t.id for p in pages for t in p.tickets) == [i for i in ALL_IDS if i != 3]
    assert sum(p.skipped for p in pages) == 1
    assert [r for p in pages for r in p.unreadable] == []
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(logged) == 1 and "cannot be read again" in logged[0]
    assert "/tickets/3.json" in logged[0]  # its url still says which ticket it was


def test_an_unknown_status_is_skipped_by_id(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    fault(world, FaultKind.UNKNOWN_STATUS, path=EXPORT, ticket=4)
    assert exported_ids(world) == [i for i in ALL_IDS if i != 4]
    assert "ticket 4: unknown status 'escalated'" in caplog.text


def test_an_unknown_event_type_drops_the_event_and_keeps_the_audit(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    clean = world.reader.ticket_audits(1)
    fault(world, FaultKind.UNKNOWN_EVENT, path=r"/tickets/1/audits$", first=1)
    batch = world.reader.ticket_audits(1)
    assert [a.id for a in batch.audits] == [a.id for a in clean.audits]
    assert batch.audits[0].events == clean.audits[0].events
    assert "unknown event type" in caplog.text


@pytest.mark.parametrize(
    "kind",
    [FaultKind.NON_JSON, FaultKind.TRUNCATED, FaultKind.RESET],
    ids=["non-JSON body", "page that ends early", "connection reset"],
)
def test_garbled_or_cut_answers_are_retried_and_nothing_is_lost(
    world: EmulatorWorld, kind: FaultKind
) -> None:
    rule = fault(world, kind, path=EXPORT, nth=2)
    assert exported_ids(world) == ALL_IDS
    assert rule.fired == 1
    assert len(world.sleeps) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_backoff(world: EmulatorWorld, status: int) -> None:
    fault(world, FaultKind.STATUS, status=status, path=EXPORT, first=2)
    assert exported_ids(world) == ALL_IDS
    sleeps = world.sleeps
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]


def test_a_429_waits_its_retry_after(world: EmulatorWorld) -> None:
    fault(world, FaultKind.STATUS, status=429, retry_after=7, path=r"/groups$", first=1)
    assert world.reader.directory().groups
    assert world.sleeps == [7.0]


def test_a_real_rate_limit_answers_429_and_the_client_waits_what_it_says() -> None:
    with emulator_world(RateLimits(export_per_minute=1)) as world:
        sleeps = world.sleeps
        world.reader.export_pacer.per_minute = 1000  # let the emulator do the limiting
        with pytest.raises(ZendeskRateLimited) as caught:
            exported_ids(world)
        # The window runs on real time and our sleeps are recorded, not slept, so the
        # limit never lifts: every retry waited the Retry-After Zendesk gave (1-60 s).
        assert 1 <= caught.value.retry_after <= 60
        assert len(sleeps) == 3 and all(1 <= s <= 60 for s in sleeps)


def test_a_repeated_cursor_stops_the_export_without_looping(
    world: EmulatorWorld, caplog: pytest.LogCaptureFixture
) -> None:
    fault(world, FaultKind.REPEAT_CURSOR, path=EXPORT, nth=2)
    pages = list(
        world.reader.export_tickets(
            cursor=None, start_time=world.start_time(), system_field_id=None
        )
    )
    assert len(pages) == 2  # the page with the repeated cursor is kept, then it stops
    assert "repeated cursor" in caplog.text
    resumed = exported_ids(world, pages[-1].after_cursor)
    kept = sorted(t.id for p in pages for t in p.tickets)
    assert sorted(set(kept) | set(resumed)) == ALL_IDS


def test_retries_give_up_after_max_attempts_with_the_last_error(world: EmulatorWorld) -> None:
    fault(world, FaultKind.STATUS, status=503, path=EXPORT)
    with pytest.raises(ZendeskUnavailable, match="503"):
        exported_ids(world)
    assert len(world.sleeps) == 3


def test_bad_credentials_are_a_refusal_naming_401(world: EmulatorWorld) -> None:
    world.reader.session.auth = ("zdsync@ispnext.example/token", "wrong")
    with pytest.raises(ZendeskRejected) as caught:
        world.reader.whoami()
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value)


def test_an_unreadable_yes_to_a_write_means_it_may_have_been_applied(world: EmulatorWorld) -> None:
    fault(world, FaultKind.NON_JSON, method="PUT", path=r"/tickets/1$", first=1)
    session = world.reader.session
    url = f"{world.emulator.base_url}/api/v2/tickets/1.json"
    body = {"ticket": {"comment": {"body": "checked", "public": False}}}
    with pytest.raises(ZendeskUnavailable) as caught:
        session.put(url, json=body)
    assert caught.value.maybe_applied
    comments = session.get(f"{url[:-5]}/comments.json").json()["comments"]
    assert [c["body"] for c in comments][-1] == "checked"  # it was applied indeed
