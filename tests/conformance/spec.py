"""Zendesk's official OpenAPI spec, as the conformance suites read it.

The suites read ``zendesk-openapi.subset.json`` beside this module: the part of the full
spec they use, committed so that a clone passes ``make test`` on its own. It is cut from
the full file (``../shared/reference/zendesk-openapi.yaml`` beside the clone, 1.2 MB) by
:mod:`tests.conformance.spec_subset`, which says how to regenerate it; a test fails when
the two drift apart. ``ZDSYNC_ZENDESK_OPENAPI`` names another copy of the spec (the full
file, say) for the suites to read instead, and is where the full file is looked for first.

Two quirks of the YAML file are handled here, once:

- ``yaml.safe_load`` stops at a key spelled ``=`` (YAML's ``value`` tag): read as the
  plain scalar it is;
- dates in examples load as ``datetime``: kept as ISO strings, so the document is JSON
  (schemathesis wants JSON-able data, and the subset is JSON).

``official()`` is the spec as published; ``patched()`` is it with the documented overrides
of :mod:`tests.conformance.overrides` applied. Both are parsed once per process and must
not be mutated: ``patched`` hands out deep copies.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.conformance.overrides import apply_overrides

ENV_VAR = "ZDSYNC_ZENDESK_OPENAPI"
ROOT = Path(__file__).resolve().parents[2]
#: What the suites read unless ``ZDSYNC_ZENDESK_OPENAPI`` says otherwise (committed).
SUBSET_PATH = Path(__file__).resolve().with_name("zendesk-openapi.subset.json")
#: Where the full spec is beside the clone (CI has it there; a user's clone need not).
FULL_SPEC_PATH = ROOT.parent / "shared" / "reference" / "zendesk-openapi.yaml"
REGENERATE = "python -m tests.conformance.spec_subset"

Document = dict[str, Any]


class SpecMissing(RuntimeError):
    """The spec file is not where the environment says it is."""


def spec_path(environ: Mapping[str, str] | None = None) -> Path:
    """What the suites read: ``$ZDSYNC_ZENDESK_OPENAPI``, else the committed subset."""
    env = os.environ if environ is None else environ
    given = env.get(ENV_VAR)
    path = Path(given).expanduser() if given else SUBSET_PATH
    if not path.is_file():
        fix = (
            f"(from {ENV_VAR}={given}): point {ENV_VAR} at a copy of the spec, or unset it "
            f"to read the subset committed in the repository"
            if given
            else f"(the committed subset): regenerate it with {REGENERATE}, or set {ENV_VAR}"
        )
        raise SpecMissing(f"Zendesk's OpenAPI spec is not at {path} {fix}.")
    return path


def full_spec_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The full spec: ``$ZDSYNC_ZENDESK_OPENAPI`` (an error when missing), else the file in
    ../shared beside the clone, else None (a user's clone has no ../shared)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return spec_path(env)
    return FULL_SPEC_PATH if FULL_SPEC_PATH.is_file() else None


def load_document(path: Path) -> Document:
    """The spec file (YAML, or JSON such as the subset) as a JSON-able dict."""
    with path.open("rb") as stream:
        if path.suffix == ".json":
            loaded = json.load(stream)
        else:
            loaded = yaml.load(stream, Loader=_loader())  # a SafeLoader subclass
    if not isinstance(loaded, dict) or "paths" not in loaded:
        raise SpecMissing(f"{path} is not an OpenAPI document (no 'paths')")
    return loaded


def _loader() -> type[yaml.SafeLoader]:
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class SpecLoader(base):  # type: ignore[valid-type,misc]
        """A safe loader that reads YAML's ``=`` (value) key and keeps dates as text."""

    SpecLoader.add_constructor("tag:yaml.org,2002:value", _scalar)
    SpecLoader.add_constructor("tag:yaml.org,2002:timestamp", _scalar)
    loader: type[yaml.SafeLoader] = SpecLoader
    return loader


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(None, None, "expected a scalar", node.start_mark)
    return str(loader.construct_scalar(node))


@functools.cache
def official() -> Document:
    """The spec as Zendesk publishes it, or the committed part of it (shared, read-only:
    copy before changing it)."""
    return load_document(spec_path())


@functools.cache
def _patched() -> Document:
    return apply_overrides(copy.deepcopy(official()))


def patched() -> Document:
    """The spec with every documented override applied (a fresh copy)."""
    return copy.deepcopy(_patched())


def shared_patched() -> Document:
    """The patched spec without copying, for readers that promise not to change it."""
    return _patched()
