"""The cassette file format: JSON bodies as YAML structure and back, a stable order."""

from __future__ import annotations

from typing import Any

import orjson

from adapters.cassette import yaml_format


def interaction(uri: str, body: str, method: str = "GET") -> dict[str, Any]:
    return {
        "request": {"method": method, "uri": uri, "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": body},
        },
    }


def test_a_json_body_is_written_as_structure_and_read_back_as_the_same_json() -> None:
    page = {
        "tickets": [{"id": 1001, "subject": "Mail délai", "custom_fields": []}],
        "end_of_stream": True,
    }
    text = yaml_format.serialize(
        {"version": 1, "interactions": [interaction("https://h/x", orjson.dumps(page).decode())]}
    )
    assert "tickets:" in text and "Mail délai" in text  # readable, not an escaped string
    loaded = yaml_format.deserialize(text)["interactions"][0]["response"]["body"]["string"]
    assert orjson.loads(loaded) == page


def test_a_body_that_is_not_json_stays_text() -> None:
    text = yaml_format.serialize(
        {"version": 1, "interactions": [interaction("https://h/x", "<html>502</html>")]}
    )
    loaded = yaml_format.deserialize(text)["interactions"][0]["response"]["body"]["string"]
    assert loaded == "<html>502</html>"


def test_exchanges_are_in_request_order_and_repeats_keep_their_recorded_order() -> None:
    recorded = [
        interaction("https://h/b", '{"n": 1}'),
        interaction("https://h/a", '{"n": 2}'),
        interaction("https://h/b", '{"n": 3}'),  # the same request again (a retry)
    ]
    loaded = yaml_format.deserialize(
        yaml_format.serialize({"version": 1, "interactions": recorded})
    )
    order = [
        (i["request"]["uri"], orjson.loads(i["response"]["body"]["string"])["n"])
        for i in loaded["interactions"]
    ]
    assert order == [("https://h/a", 2), ("https://h/b", 1), ("https://h/b", 3)]
