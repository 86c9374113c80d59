"""The URLs of the configuration (issue 8 defect 6): a ZENDESK_URL naming the API or
carrying credentials is refused without repeating them, and the database URL's problems
(from the store adapter's check) are listed with every other problem."""

from __future__ import annotations

import pytest

from adapters.store import url_problems
from sync.errors import ConfigError
from tests.sync.test_config import ENV, GOOD, load, problems_of

PASSWORD = "pa55-w0rd"


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.zendesk.com/api/v2",
        "https://acme.zendesk.com/api/v2/",
        "https://acme.zendesk.com/api/v2/tickets.json",
        "http://127.0.0.1:8080/api/v2",
    ],
)
def test_a_url_naming_the_api_is_refused_with_the_base_url_to_give(url: str) -> None:
    (problem,) = problems_of(GOOD, {**ENV, "ZENDESK_URL": url})
    assert problem.startswith("ZENDESK_URL: ") and "names the API" in problem
    assert "zdsync adds /api/v2 itself" in problem


@pytest.mark.parametrize(
    "url",
    [
        f"https://zdsync:{PASSWORD}@acme.zendesk.com",
        f"https://zdsync@ispnext.example:{PASSWORD}@acme.zendesk.com/api/v2",
        f"ftp://u:{PASSWORD}@acme.zendesk.com",
        f"https://:{PASSWORD}@acme.zendesk.com",
    ],
)
def test_a_url_with_credentials_is_refused_without_repeating_them(url: str) -> None:
    (problem,) = problems_of(GOOD, {**ENV, "ZENDESK_URL": url})
    assert problem.startswith("ZENDESK_URL: must not carry a user or password")
    assert PASSWORD not in problem and "zdsync@" not in problem


def test_a_base_url_below_a_path_of_its_own_is_still_taken() -> None:
    # A proxy in front of Zendesk (or an emulator) may live below a path.
    env = {**ENV, "ZENDESK_URL": "https://proxy.example/zendesk/"}
    assert load(GOOD, env).require_zendesk().url == "https://proxy.example/zendesk"


def test_database_url_problems_are_listed_with_the_others() -> None:
    env = {**ENV, "ZENDESK_URL": "https://acme.zendesk.com/api/v2", "ZDSYNC_LOG_LEVEL": "LOUD",
           "ZDSYNC_DATABASE_URL": f"mysql://u:{PASSWORD}@db/zdsync"}  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load(GOOD, env, database_problems=url_problems)
    text = str(caught.value)
    assert "(3 problem(s))" in text
    assert "ZDSYNC_DATABASE_URL: mysql://u:***@db/zdsync: mysql is not supported" in text
    assert PASSWORD not in text


def test_without_the_check_the_database_url_is_taken_as_given() -> None:
    env = {**ENV, "ZDSYNC_DATABASE_URL": "not a url"}
    assert load(GOOD, env).database_url == "not a url"
