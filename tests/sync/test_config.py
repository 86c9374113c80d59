from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.config import DEFAULT_BACKFILL_SINCE, Secret, load_settings
from sync.errors import ConfigError

GOOD = """
ispnext:
  groups:
    - {id: 100, name: ISPnext Support}
partners:
  - {name: Acme Networks, group_id: 200}
  - {name: Fibernet Partners, group_id: 300}
fields:
  system: System
sync:
  backfill_since: 2025-01-01
  page_size: 500
"""

ENV = {
    "ZENDESK_URL": "https://acme.zendesk.com/",
    "ZENDESK_EMAIL": "zdsync@ispnext.example",
    "ZENDESK_TOKEN": "s3cr3t-token-value",
}


def load(text: str, env: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return load_settings(
        ENV if env is None else env, config_path=Path("zdsync.yaml"), config_text=text, **kwargs
    )


def problems_of(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(text, env)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_and_environment_give_typed_settings() -> None:
    settings = load(GOOD)
    assert [g.id for g in settings.ispnext_groups] == [100]
    assert [(g.name, g.id) for g in settings.partner_groups] == [
        ("Acme Networks", 200),
        ("Fibernet Partners", 300),
    ]
    assert settings.mirrored_group_ids == {200, 300}
    assert settings.system_field == "System"
    assert settings.sync.backfill_since == datetime(2025, 1, 1, tzinfo=UTC)
    assert settings.sync.page_size == 500
    assert settings.sync.export_requests_per_minute == 10
    assert settings.database_url == "sqlite:///zdsync.db"
    zendesk = settings.require_zendesk()
    assert zendesk.url == "https://acme.zendesk.com"
    assert zendesk.token == Secret("s3cr3t-token-value")


def test_every_problem_is_listed_with_where_it_came_from() -> None:
    text = """
ispnext:
  groups: []
partners:
  - {name: Acme, group_id: -4}
  - {group_id: 300, colour: red}
fields:
  system: true
sync:
  page_size: 5000
  backfill_since: yesterday
partnrs: []
"""
    env = {"ZENDESK_URL": "ftp://x", "ZDSYNC_LOG_LEVEL": "LOUD"}
    problems = problems_of(text, env)
    expected_fragments = [
        "zdsync.yaml: ispnext.groups: expected a non-empty list",
        "zdsync.yaml: partners[0].group_id: expected a positive whole number, got -4",
        "zdsync.yaml: partners[1].colour: unknown key",
        "zdsync.yaml: partners[1].name: expected a non-empty text",
        "zdsync.yaml: fields.system: expected the custom field's id or its title",
        "zdsync.yaml: sync.page_size: Zendesk serves at most 1000",
        "zdsync.yaml: sync.backfill_since: expected an ISO-8601 date or time, got 'yesterday'",
        "zdsync.yaml: partnrs: unknown key",
        "ZDSYNC_LOG_LEVEL: expected one of",
        "ZENDESK_URL: expected an http(s) URL",
        "ZENDESK_TOKEN: missing",
    ]
    for fragment in expected_fragments:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected_fragments), problems


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(ENV, config_path=tmp_path / "nope.yaml")
    assert "config file not found" in str(caught.value)
    assert "ZDSYNC_CONFIG" in str(caught.value)
    assert len(caught.value.problems) == 1  # not also every section it lacks


def test_yaml_syntax_errors_name_the_line() -> None:
    problems = problems_of("ispnext:\n  groups: [\n")
    assert any(p.startswith("zdsync.yaml:") and "not valid YAML" in p for p in problems)


def test_a_group_may_not_be_both_ispnext_and_partner() -> None:
    text = GOOD.replace("group_id: 300", "group_id: 100")
    assert any("group 100 is both" in p for p in problems_of(text))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://acme.zendesk.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080/", True),
        ("http://acme.zendesk.com", False),  # a token over plain http to another host
        ("acme.zendesk.com", False),
        ("https://acme.zendesk.com/?x=1", False),
    ],
)
def test_zendesk_url_rules(url: str, ok: bool) -> None:
    env = {**ENV, "ZENDESK_URL": url}
    if ok:
        assert load(GOOD, env).require_zendesk().url == url.rstrip("/")
    else:
        assert any(p.startswith("ZENDESK_URL") for p in problems_of(GOOD, env))


def test_oauth_token_alone_is_enough_and_both_tokens_are_refused() -> None:
    oauth_only = {"ZENDESK_URL": "https://a.zendesk.com", "ZENDESK_OAUTH_TOKEN": "oauth-xyz"}
    assert load(GOOD, oauth_only).require_zendesk().oauth_token == Secret("oauth-xyz")
    both = {**ENV, "ZENDESK_OAUTH_TOKEN": "oauth-xyz"}
    assert any("not both" in p for p in problems_of(GOOD, both))


def test_the_token_never_shows_in_reprs_or_errors() -> None:
    settings = load(GOOD)
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in str(settings.require_zendesk())
    bad_env = {**ENV, "ZENDESK_EMAIL": "not-an-email"}
    with pytest.raises(ConfigError) as caught:
        load(GOOD, bad_env)
    assert "s3cr3t" not in str(caught.value)


def test_commands_without_zendesk_do_not_need_credentials() -> None:
    settings = load(GOOD, {}, need_zendesk=False)
    assert settings.zendesk is None
    assert settings.sync.backfill_since == datetime(2025, 1, 1, tzinfo=UTC)
    assert (
        load(
            "ispnext: {groups: [{id: 1, name: I}]}\npartners: [{name: P, group_id: 2}]",
            {},
            need_zendesk=False,
        ).sync.backfill_since
        == DEFAULT_BACKFILL_SINCE
    )


def test_plain_http_to_another_host_needs_an_explicit_opt_in() -> None:
    env = {**ENV, "ZENDESK_URL": "http://emulator:8080"}
    assert any("ZDSYNC_ALLOW_INSECURE_HTTP" in p for p in problems_of(GOOD, env))
    allowed = {**env, "ZDSYNC_ALLOW_INSECURE_HTTP": "1"}
    assert load(GOOD, allowed).require_zendesk().url == "http://emulator:8080"


def test_the_rules_section_is_checked_at_start_up_with_the_other_problems() -> None:
    text = GOOD + "rules:\n  hand_back: {after: soon}\n  submit_as_open: {colour: red}\n"
    problems = problems_of(text)
    assert any(p.startswith("zdsync.yaml: rules.hand_back.after") for p in problems), problems
    assert any(p.startswith("zdsync.yaml: rules.submit_as_open.colour") for p in problems)


def test_partner_notes_name_the_partners_of_the_partners_section() -> None:
    text = GOOD + (
        "rules:\n  partner_notes:\n"
        "    Fibrenet: {hand_back: {note: x}}\n"
        "    Acme Networks: {time_entry_note: {note: '{gebruiker} schreef tijd'}}\n"
    )
    assert problems_of(text) == [
        "zdsync.yaml: rules.partner_notes.Fibrenet: unknown partner; known partners: "
        "Acme Networks, Fibernet Partners",
        "zdsync.yaml: rules.partner_notes.Acme Networks.time_entry_note.note: unknown "
        "placeholder {gebruiker}; available: {audit}, {duration}, {minutes}, {partner}, {seconds}, "
        "{tag}, {time}, {user}",
    ]


def test_rules_get_the_account_ids_at_run_time() -> None:
    settings = load(GOOD + "rules:\n  hand_back: {after: 90m}\n")
    rules = settings.rules_for(worker_id=1, total_time=360002)
    assert rules.hand_back.after.total_seconds() == 90 * 60
    assert rules.account.worker_id == 1
    assert rules.account.partner_group_ids == {200, 300}
    assert rules.account.total_time_field == "360002"


def test_the_workers_sections_and_the_rules_section_word_problems_alike() -> None:
    text = GOOD.replace("{name: Acme Networks, group_id: 200}", "{name: Acme, group_id: 200, x: 1}")
    text += "rules:\n  hand_back: {y: 1, tracked_scope: month}\n"
    problems = problems_of(text, {**ENV, "ZDSYNC_LOG_LEVEL": "LOUD"})
    assert sorted(problems) == [
        "ZDSYNC_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        "zdsync.yaml: partners[0].x: unknown key; known keys: group_id, name",
        "zdsync.yaml: rules.hand_back.tracked_scope: expected one of episode, ticket, got 'month'",
        "zdsync.yaml: rules.hand_back.y: unknown key; known keys: after, business_hours, "
        "enabled, no_agent, note, tracked_limit, tracked_scope",
    ]


def test_an_impossible_date_is_a_problem_with_its_key_path_not_a_crash() -> None:
    text = GOOD.replace("backfill_since: 2025-01-01", "backfill_since: 2025-02-30")
    text += "rules:\n  hand_back:\n    business_hours: {holidays: [2025-12-25, 2025-13-01]}\n"
    assert problems_of(text) == [
        "zdsync.yaml: sync.backfill_since: expected an ISO-8601 date or time, got '2025-02-30'",
        "zdsync.yaml: rules.hand_back.business_hours.holidays[1]: expected a date, "
        "got '2025-13-01'",
    ]


def test_yaml_dates_and_times_and_iso_texts_are_all_read_as_instants() -> None:
    for written, expected in [
        ("2025-01-01", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01 10:30:00", datetime(2025, 1, 1, 10, 30, tzinfo=UTC)),
        ("2025-01-01T10:30:00+02:00", datetime(2025, 1, 1, 8, 30, tzinfo=UTC)),
        ("'2025-01-01T10:30'", datetime(2025, 1, 1, 10, 30, tzinfo=UTC)),
    ]:
        text = GOOD.replace("backfill_since: 2025-01-01", f"backfill_since: {written}")
        assert load(text).sync.backfill_since == expected, written


def test_every_sync_parameter_is_read_and_checked() -> None:
    given = (
        "  export_requests_per_minute: 30\n  request_timeout_seconds: 2.5\n"
        "  max_attempts: 3\n  interval_seconds: 15\n  audit_concurrency: 8\n"
    )
    sync = load(GOOD + given).sync
    assert (sync.export_requests_per_minute, sync.request_timeout_seconds) == (30, 2.5)
    assert (sync.max_attempts, sync.interval_seconds, sync.audit_concurrency) == (3, 15.0, 8)
    wrong = (
        "  export_requests_per_minute: 0\n  request_timeout_seconds: -1\n"
        "  max_attempts: true\n  interval_seconds: soon\n  audit_concurrency: 1.5\n"
    )
    assert problems_of(GOOD + wrong) == [
        "zdsync.yaml: sync.export_requests_per_minute: expected a positive whole number, got 0",
        "zdsync.yaml: sync.request_timeout_seconds: expected a number of seconds > 0, got -1",
        "zdsync.yaml: sync.max_attempts: expected a positive whole number, got True",
        "zdsync.yaml: sync.interval_seconds: expected a number of seconds > 0, got 'soon'",
        "zdsync.yaml: sync.audit_concurrency: expected a positive whole number, got 1.5",
    ]


def test_a_key_given_twice_is_a_problem_not_a_silent_override() -> None:
    # YAML lets the last one win: the second sync: would drop backfill_since unseen.
    text = GOOD + "sync:\n  page_size: 100\nfields: {system: System, system: Platform}\n"
    assert problems_of(text) == [
        "zdsync.yaml:13: 'sync' is given twice here (the last would win)",
        "zdsync.yaml:15: 'fields' is given twice here (the last would win)",
        "zdsync.yaml:15: 'system' is given twice here (the last would win)",
    ]
