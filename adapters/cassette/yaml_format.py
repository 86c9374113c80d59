"""The cassette file format: vcrpy's YAML layout, made for people to read and diff.

- a JSON body is written as YAML structure (``body: {json: ...}``) instead of one long
  escaped string, and turned back into JSON text when the cassette is loaded;
- exchanges are written in the order of their requests (method, URI), keeping the recorded
  order among identical ones (a retried request's answers replay in order), so the
  concurrent audit fetches, which finish in any order, give the same file every time.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

try:  # libyaml when present: an order of magnitude faster on big cassettes
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: The name the serializer is registered under in vcrpy.
NAME = "zdsync-yaml"
#: A mapping or list of scalars this short goes on one line (``{id: 360001, value: x}``).
_ONE_LINE = 90


class _CassetteDumper(_Dumper):
    """Short mappings and lists of scalars on one line: a third of the lines to read."""


def _represent_dict(dumper: _Dumper, data: dict[Any, Any]) -> yaml.Node:
    flow = _all_scalars(data.values()) and len(repr(data)) <= _ONE_LINE
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _represent_list(dumper: _Dumper, data: list[Any]) -> yaml.Node:
    flow = _all_scalars(data) and len(repr(data)) <= _ONE_LINE
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _all_scalars(values: Any) -> bool:
    return all(not isinstance(value, (dict, list)) for value in values)


_CassetteDumper.add_representer(dict, _represent_dict)
_CassetteDumper.add_representer(list, _represent_list)


def serialize(cassette: dict[str, Any]) -> str:
    """vcrpy's ``{"version", "interactions"}`` -> the YAML text of the file."""
    interactions = sorted(cassette["interactions"], key=_request_order)
    data = {
        "version": cassette["version"],
        "interactions": [_readable(interaction) for interaction in interactions],
    }
    return yaml.dump(data, Dumper=_CassetteDumper, sort_keys=False, allow_unicode=True, width=100)


def deserialize(text: str) -> dict[str, Any]:
    """The file's YAML text -> what vcrpy expects (bodies as strings again)."""
    data = yaml.load(text, Loader=_Loader) or {}
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        raise ValueError("not a zdsync cassette: no interactions list")
    return {
        "version": data.get("version", 1),
        "interactions": [_loadable(interaction) for interaction in interactions],
    }


def _request_order(interaction: dict[str, Any]) -> tuple[str, str]:
    request = interaction["request"]
    return (request["uri"], request["method"])


def _readable(interaction: dict[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    request["body"] = _structured(request.get("body"))
    response = dict(interaction["response"])
    body = response.get("body")
    if isinstance(body, dict) and isinstance(body.get("string"), str):
        structured = _structured(body["string"])
        response["body"] = structured if isinstance(structured, dict) else body
    return {"request": request, "response": response}


def _structured(text: Any) -> Any:
    """``{"json": value}`` for a JSON object or array; the text itself otherwise."""
    if isinstance(text, str) and text[:1] in {"{", "["}:
        try:
            return {"json": orjson.loads(text)}
        except orjson.JSONDecodeError:
            return text
    return text


def _loadable(interaction: dict[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    request["body"] = _text(request.get("body"))
    response = dict(interaction["response"])
    body = response.get("body")
    if isinstance(body, dict) and "json" in body:
        response["body"] = {"string": _text(body)}
    return {"request": request, "response": response}


def _text(body: Any) -> Any:
    if isinstance(body, dict) and "json" in body:
        return orjson.dumps(body["json"]).decode()
    return body
