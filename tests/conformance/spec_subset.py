"""Cut the part of Zendesk's official OpenAPI spec that the conformance suites use out of the
full file, and write it next to this module as ``zendesk-openapi.subset.json`` (committed:
the suites read it, so a clone passes ``make test`` without ../shared beside it).

The subset holds the operations in ``KEPT`` as published (no override applied: the suites
apply them when they load it), the top-level keys as they are, the tags those operations
name, and every component (schema, parameter, example, security scheme) that they, or the
overrides of :mod:`tests.conformance.overrides`, refer to, transitively. Its first key,
``x-zdsync-subset``, says where it came from and how to regenerate it.

Regenerate after changing ``SERVED``, ``ABOUT_TO_BE_SERVED`` or an override, or when the
full spec changes; from the repository root, with the full spec at
../shared/reference/zendesk-openapi.yaml (or named by ``ZDSYNC_ZENDESK_OPENAPI``, or given
as the argument)::

    .venv/bin/python -m tests.conformance.spec_subset      # or: make spec-subset

``tests/conformance/test_spec_subset.py`` fails while the committed file differs from what
this writes (where the full spec is present).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.conformance.overrides import apply_overrides
from tests.conformance.patches import SERVED, Document, operations
from tests.conformance.spec import (
    ENV_VAR,
    FULL_SPEC_PATH,
    REGENERATE,
    SUBSET_PATH,
    full_spec_path,
    load_document,
)

#: Operations the emulator is about to serve, kept already so serving them needs no new
#: subset. Drop an entry here once it is in SERVED.
ABOUT_TO_BE_SERVED: set[tuple[str, str]] = set()
#: (method, spec path) of every operation the subset keeps, with those the overrides add.
KEPT = frozenset(SERVED | ABOUT_TO_BE_SERVED)
HEADER = "x-zdsync-subset"
SOURCE = (
    "../shared/reference/zendesk-openapi.yaml: Zendesk's Support API spec (OpenAPI 3.0.3, "
    "352 paths) as republished in botbrains-io/python-zendesk (openapi-src.yaml, commit "
    "66ad8af)"
)
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
#: Components found by name rather than by ``$ref`` (``security: [{basicAuth: []}]``).
WHOLE_SECTIONS = frozenset({"securitySchemes"})


def cut(full: Document, source_sha256: str) -> Document:
    """The subset of ``full`` (the spec as published), headed by where it came from."""
    patched = apply_overrides(copy.deepcopy(full))
    missing = KEPT - {(method, path) for path, method, _, _ in operations(patched)}
    if missing:
        raise ValueError(f"operations neither in the spec nor added by an override: {missing}")
    needed = components_used(full) | components_used(patched)
    kept = kept_paths(full)
    subset: Document = {HEADER: header(source_sha256)}
    for key, value in full.items():
        if key == "paths":
            subset[key] = kept
        elif key == "components":
            subset[key] = kept_components(value, needed)
        elif key == "tags":
            named = {tag for _, _, _, operation in operations({"paths": kept})
                     for tag in operation.get("tags", [])}  # fmt: skip
            subset[key] = [tag for tag in value if tag.get("name") in named]
        else:
            subset[key] = value
    return subset


def header(source_sha256: str) -> Document:
    return {
        "about": "The part of Zendesk's official OpenAPI spec that tests/conformance uses: "
        "the operations below as published (the suites apply their overrides on loading) "
        "and every component they or the overrides refer to. Generated: do not edit.",
        "source": SOURCE,
        "source_sha256": source_sha256,
        "regenerate": f"from the repository root, with the full spec at ../shared/reference/ "
        f"(or named by {ENV_VAR}): .venv/bin/{REGENERATE} (or make spec-subset)",
        "operations": [f"{method.upper()} {path}" for method, path in sorted(KEPT, key=_by_path)],
    }


def kept_paths(document: Document) -> Document:
    """The path items of ``KEPT``, without their other operations."""
    kept: Document = {}
    for path, item in document["paths"].items():
        methods = {method for method in item if (method, path) in KEPT}
        if methods:
            kept[path] = {k: v for k, v in item.items() if k not in HTTP_METHODS or k in methods}
    return kept


def components_used(document: Document) -> set[tuple[str, str]]:
    """(section, name) of every component the kept operations reach through ``$ref``."""
    available = document.get("components", {})
    found: set[tuple[str, str]] = set()
    pending: list[Any] = [kept_paths(document)]
    while pending:
        for ref in references(pending.pop()):
            section, name = component_of(ref)
            if (section, name) not in found and name in available.get(section, {}):
                found.add((section, name))
                pending.append(available[section][name])
    return found


def kept_components(components: Document, needed: set[tuple[str, str]]) -> Document:
    """The needed components, in the spec's order (sections emptied out are left out)."""
    kept: Document = {}
    for section, entries in components.items():
        chosen = {
            name: entry
            for name, entry in entries.items()
            if section in WHOLE_SECTIONS or (section, name) in needed
        }
        if chosen:
            kept[section] = chosen
    return kept


def references(node: Any) -> Iterator[str]:
    """Every ``$ref`` in ``node``, however deep."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def component_of(ref: str) -> tuple[str, str]:
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        raise ValueError(f"not a reference to a component: {ref!r}")
    return parts[2], parts[3]


def render(source: Path) -> str:
    """The subset of the full spec at ``source``, as the committed file's text."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    subset = cut(load_document(source), digest)
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def _by_path(operation: tuple[str, str]) -> tuple[str, str]:
    return operation[1], operation[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Write the part of Zendesk's spec the suites use."
    )
    parser.add_argument(
        "source", nargs="?", type=Path,
        help=f"the full spec (default: ${ENV_VAR}, else {FULL_SPEC_PATH})",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, default=SUBSET_PATH, help="default: %(default)s")
    args = parser.parse_args(argv)
    source = args.source or full_spec_path()
    if source is None:
        print(f"the full spec is not at {FULL_SPEC_PATH}: give its path", file=sys.stderr)
        return 2
    text = render(source)
    args.output.write_text(text, encoding="utf-8")
    written = json.loads(text)
    listed = sum(1 for _ in operations(written))
    count = sum(len(entries) for entries in written["components"].values())
    print(
        f"{args.output}: {listed} operations (the overrides add {len(KEPT) - listed}), "
        f"{count} components, {len(text.encode())} bytes, from {source}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
