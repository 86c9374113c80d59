"""Zendesk's official OpenAPI spec, as the conformance suites read it.

The spec is ``../shared/reference/zendesk-openapi.yaml`` beside the clone (CI has it there
too); ``ZDSYNC_ZENDESK_OPENAPI`` names another copy. Two quirks of the file are handled
here, once:

- ``yaml.safe_load`` stops at a key spelled ``=`` (YAML's ``value`` tag): read as the
  plain scalar it is;
- dates in examples load as ``datetime``: kept as ISO strings, so the document is JSON
  (schemathesis wants JSON-able data).

``official()`` is the file as published; ``patched()`` is it with the documented overrides
of :mod:`tests.conformance.overrides` applied. Both are parsed once per process (about a
second for the 1.2 MB file) and must not be mutated: ``patched`` hands out deep copies.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.conformance.overrides import apply_overrides

ENV_VAR = "ZDSYNC_ZENDESK_OPENAPI"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = ROOT.parent / "shared" / "reference" / "zendesk-openapi.yaml"

Document = dict[str, Any]


class SpecMissing(RuntimeError):
    """The spec file is not where the environment says it is."""


def spec_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the spec is: ``$ZDSYNC_ZENDESK_OPENAPI``, else ../shared beside the clone."""
    env = os.environ if environ is None else environ
    given = env.get(ENV_VAR)
    path = Path(given).expanduser() if given else DEFAULT_PATH
    if not path.is_file():
        origin = f"{ENV_VAR}={given}" if given else f"the default ({DEFAULT_PATH})"
        raise SpecMissing(
            f"Zendesk's OpenAPI spec is not at {path} (from {origin}). The conformance "
            f"suites need it: keep ../shared/reference/zendesk-openapi.yaml beside the clone, "
            f"or set {ENV_VAR} to the file's path."
        )
    return path


def load_document(path: Path) -> Document:
    """The YAML file as a JSON-able dict (see the module docstring for the two quirks)."""
    with path.open("rb") as stream:
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
    """The spec as Zendesk publishes it (shared, read-only: copy before changing it)."""
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
