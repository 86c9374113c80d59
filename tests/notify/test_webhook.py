"""The webhook notifier, with respx standing for the chat: one message per cycle in which
rules acted, one when a push failed, one when cycles keep failing (and one on recovery);
retried a few times; never blocking or failing the cycle; the URL (a credential) never
logged. ``close`` waits for the deliveries, so no test sleeps."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime

import httpx
import pytest
import respx

from adapters.notify import WebhookNotifier
from sync.config import Secret, load_settings
from sync.errors import ConfigError, ZendeskRejected
from sync.figures import CycleFigures
from sync.metrics import measured_cycle
from tests.sync.push_world import ALICE, World

HOOK = "https://hooks.example/services/T000/B000/s3cr3t-t0ken"
SECRET_PART = "s3cr3t-t0ken"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def notifier(**options: object) -> tuple[WebhookNotifier, list[float]]:
    sleeps: list[float] = []
    made = WebhookNotifier(Secret(HOOK), sleep=sleeps.append, **options)  # type: ignore[arg-type]
    return made, sleeps


def texts(route: respx.Route) -> list[str]:
    return [json.loads(call.request.content)["text"] for call in route.calls]


def figures(**values: object) -> CycleFigures:
    return CycleFigures(ended=NOW, duration_seconds=1.0, **values)  # type: ignore[arg-type]


def acting_world() -> World:
    """Ticket 7 is handed back (3 h with Acme) and set back to Open (Alice chose Pending)."""
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.later(hours=3)
    return world


@respx.mock
def test_a_cycle_in_which_rules_act_sends_one_summary() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200, text="ok"))
    world = acting_world()
    notify, _ = notifier(zendesk_url="https://acme.zendesk.com")

    measured_cycle(world.writer, world.store, world.settings, world.clock, [notify])
    notify.close()

    assert route.call_count == 1
    [text] = texts(route)
    assert text.startswith("zdsync applied 2 decision(s):")
    link = "<https://acme.zendesk.com/agent/tickets/7|#7>"
    assert f"• hand_back: {link}" in text and f"• submit_as_open: {link}" in text
    assert notify.sent == 1


@respx.mock
def test_a_cycle_with_nothing_to_say_sends_nothing() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200))
    world = World()
    notify, _ = notifier()
    measured_cycle(world.writer, world.store, world.settings, world.clock, [notify])
    notify.close()
    assert route.call_count == 0


@respx.mock
def test_a_failed_push_is_told_with_its_errors() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200))
    world = acting_world()
    refused = ZendeskRejected("PUT ticket 7: 422 assignee is invalid", status=422, body="x")
    world.writer.fail_next["update"] = [refused]
    notify, _ = notifier()

    report = measured_cycle(world.writer, world.store, world.settings, world.clock, [notify])
    notify.close()

    assert report.push.failed
    [text] = [t for t in texts(route) if t.startswith("zdsync push failed")]
    assert "422 assignee is invalid" in text


@respx.mock
def test_a_failing_webhook_is_retried_then_delivered() -> None:
    route = respx.post(HOOK).mock(
        side_effect=[httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200)]
    )
    notify, sleeps = notifier(attempts=3)
    notify.cycle_ended(figures(failed=False, applied=("hand_back:7:episode-1",)))
    notify.close()
    assert route.call_count == 3 and notify.sent == 1
    assert len(sleeps) == 2  # a backoff between tries, recorded instead of slept


@respx.mock
def test_a_wrong_url_is_not_retried() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(404))
    notify, _ = notifier(attempts=3)
    notify.cycle_ended(figures(failed=False, applied=("hand_back:7:episode-1",)))
    notify.close()
    assert route.call_count == 1 and notify.dropped == 1


@respx.mock
def test_a_webhook_that_is_down_does_not_fail_the_cycle(caplog: pytest.LogCaptureFixture) -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(500))
    world = acting_world()
    notify, _ = notifier(attempts=3)

    with caplog.at_level(logging.DEBUG):
        report = measured_cycle(world.writer, world.store, world.settings, world.clock, [notify])
        notify.close()

    assert not report.failed
    assert report.push.outcomes["applied"] == 2
    assert route.call_count == 3 and notify.dropped == 1
    assert "webhook: message not delivered: the webhook answered 500" in caplog.text
    assert SECRET_PART not in caplog.text


@respx.mock
def test_a_slow_webhook_never_holds_up_the_cycle() -> None:
    answering = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        answering.wait(timeout=30)
        return httpx.Response(200)

    route = respx.post(HOOK).mock(side_effect=slow)
    notify, _ = notifier()
    world = acting_world()
    # The webhook has not answered (and will not until told): the cycle still ends.
    report = measured_cycle(world.writer, world.store, world.settings, world.clock, [notify])
    assert report.push.outcomes["applied"] == 2
    answering.set()
    notify.close()
    assert route.call_count == 1 and notify.sent == 1


@respx.mock
def test_failing_cycles_are_told_once_and_again_on_recovery() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200))
    notify, _ = notifier(after_failures=3)
    for n in range(5):
        notify.cycle_ended(figures(failed=True, error=f"export: 503 (#{n})"))
    notify.cycle_ended(figures(failed=False))
    notify.cycle_ended(figures(failed=False))
    notify.close()
    assert texts(route) == [
        "zdsync: 3 cycles in a row have failed; the worker is not keeping Zendesk in line "
        "with the agreement. Last error: export: 503 (#2)",
        "zdsync: cycles succeed again (after 5 failed in a row).",
    ]


@respx.mock
def test_teams_gets_a_message_card() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200))
    notify, _ = notifier(shape="teams", zendesk_url="https://acme.zendesk.com")
    notify.cycle_ended(figures(failed=False, applied=("follow_up:9:kind-maintenance",)))
    notify.close()
    [call] = route.calls
    card = json.loads(call.request.content)
    assert card["@type"] == "MessageCard"
    assert "[#9](https://acme.zendesk.com/agent/tickets/9)" in card["text"]


CONFIG = "ispnext: {groups: [{id: 1, name: I}]}\npartners: [{name: P, group_id: 2}]\n"


def test_the_webhook_comes_from_the_environment_as_a_secret() -> None:
    settings = load_settings({"ZDSYNC_WEBHOOK_URL": HOOK}, config_text=CONFIG, need_zendesk=False)
    assert settings.webhook is not None and settings.webhook.url.reveal() == HOOK
    assert SECRET_PART not in repr(settings)
    assert load_settings({}, config_text=CONFIG, need_zendesk=False).webhook is None


def test_a_bad_webhook_setting_is_reported_without_the_url() -> None:
    env = {"ZDSYNC_WEBHOOK_URL": "ftp://x/" + SECRET_PART, "ZDSYNC_WEBHOOK_FORMAT": "irc"}
    with pytest.raises(ConfigError) as caught:
        load_settings(env, config_text=CONFIG, need_zendesk=False)
    message = str(caught.value)
    assert "ZDSYNC_WEBHOOK_URL: expected an http(s) URL" in message
    assert "ZDSYNC_WEBHOOK_FORMAT" in message and "irc" in message
    assert SECRET_PART not in message
