"""Validate exchanges against the (patched) spec with openapi-core.

Zendesk's spec names paths without ``.json`` and serves from
``https://{subdomain}.{domain}.com``, while zenpy and the emulator use ``.../cursor.json``
on any host: an exchange is mapped onto the spec by dropping the host and the suffix, then
matched to a spec path here (a literal path wins over a template), so openapi-core is told
the path pattern rather than left to guess.

Beyond what openapi-core checks (declared parameters, request and response schemas,
declared headers), a request must not send query parameters its operation does not
declare; the one allowance is the pagination parameters of the API-wide pagination page
(``page[size]``, ``page[after]``, ``page[before]``, ``page``, ``per_page``, ``sort_by``,
``sort_order``) on operations whose text says they paginate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.conformance.patches import Document, resolve
from tests.conformance.traffic import Exchange

SPEC_HOST = "https://example.zendesk.com"
PAGINATION = frozenset({"page[size]", "page[after]", "page[before]", "page", "per_page",
                        "sort_by", "sort_order"})  # fmt: skip
#: Problems reported per exchange: enough to see the pattern, not a wall of text.
MAX_PROBLEMS = 12


@dataclass(frozen=True, slots=True)
class Match:
    template: str
    params: dict[str, str]
    operation: Document
    path_item: Document


class Conformance:
    """Checks exchanges against one OpenAPI document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        # The spec does not pass openapi-spec-validator (unresolved path parameters), and it
        # types URL headers with the non-standard format "url".
        config = Config(spec_validator_cls=None, extra_format_validators={"url": _is_url})
        self.openapi = OpenAPI.from_dict(document, config=config)
        self._templates = sorted(
            ((path, _pattern(path)) for path in document["paths"]),
            key=lambda item: (item[0].count("{"), item[0]),
        )

    def match(self, method: str, url: str) -> Match | None:
        """The spec operation serving ``method url``, or None when the spec has none."""
        path = spec_path(url)
        for template, pattern in self._templates:
            found = pattern.fullmatch(path)
            item = self.document["paths"][template]
            if found and method.lower() in item:
                return Match(template, found.groupdict(), item[method.lower()], item)
        return None

    def response_problems(self, exchange: Exchange) -> list[str]:
        """What in the answer disagrees with the spec (empty: it conforms)."""
        found = self.match(exchange.method, exchange.url)
        if found is None:
            return [f"{exchange.method} {spec_path(exchange.url)}: not an operation of the spec"]
        response = MockResponse(
            exchange.response_body,
            status_code=exchange.status,
            headers=dict(exchange.response_headers),
            content_type=exchange.response_content_type,
        )
        result = self.openapi.unmarshal_response(self._request(exchange, found), response)
        return _describe(result.errors)

    def request_problems(self, exchange: Exchange) -> list[str]:
        """What in the request disagrees with the spec (empty: it conforms)."""
        found = self.match(exchange.method, exchange.url)
        if found is None:
            return [f"{exchange.method} {spec_path(exchange.url)}: not an operation of the spec"]
        result = self.openapi.unmarshal_request(self._request(exchange, found))
        problems = _describe(result.errors)
        declared = self._query_names(found)
        paginates = "pagination" in found.operation.get("description", "").lower()
        for name, _ in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True):
            if name not in declared and not (paginates and name in PAGINATION):
                problems.append(f"query parameter {name!r} is not declared by the operation")
        return problems

    def _request(self, exchange: Exchange, found: Match) -> MockRequest:
        query = parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
        return MockRequest(
            SPEC_HOST,
            exchange.method,
            spec_path(exchange.url),
            path_pattern=found.template,
            args=query,  # type: ignore[arg-type]  # a list keeps repeated keys (role[])
            view_args=found.params,
            headers={"Authorization": f"{exchange.auth_scheme} <redacted>"}
            if exchange.auth_scheme
            else {},
            data=exchange.request_body or None,
            content_type=(exchange.request_content_type or "application/json").lower(),
        )

    def _query_names(self, found: Match) -> set[str]:
        parameters = [
            *found.path_item.get("parameters", []),
            *found.operation.get("parameters", []),
        ]
        resolved = (resolve(self.document, p) for p in parameters)
        return {p["name"] for p in resolved if p.get("in") == "query"}


def spec_path(url: str) -> str:
    """``http://127.0.0.1:8080/api/v2/x.json?y`` -> ``/api/v2/x``."""
    path = urlsplit(url).path
    return path.removesuffix(".json")


def _is_url(value: Any) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(regex)


def _describe(errors: Any) -> list[str]:
    problems = [line for error in errors for line in _lines(error)]
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
    return problems


def _lines(error: BaseException) -> Iterator[str]:
    """Readable leaves of openapi-core's error chain: ``where: what``."""
    schema_errors = getattr(error, "schema_errors", None)
    if schema_errors:
        for schema_error in schema_errors:
            for leaf in _leaves(schema_error):
                where = "".join(
                    f"[{p}]" if isinstance(p, int) else f".{p}" for p in leaf.absolute_path
                )
                yield f"{where or '(body)'}: {leaf.message[:200]}"
        return
    cause = error.__cause__
    if cause is not None and cause is not error:
        inner = list(_lines(cause))
        if inner:
            yield from inner
            return
    yield f"{type(error).__name__}: {str(error)[:300]}"


def _leaves(error: Any) -> Iterator[Any]:
    """The innermost jsonschema errors (an anyOf/oneOf failure nests its branches')."""
    if error.context:
        for child in error.context:
            yield from _leaves(child)
    else:
        yield error
