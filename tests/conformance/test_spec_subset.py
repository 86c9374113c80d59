"""The committed part of Zendesk's spec (``zendesk-openapi.subset.json``) is complete for
the suites, and is exactly what ``spec_subset`` cuts from the full file: the last two
tests need the full spec (../shared beside the clone, or ``ZDSYNC_ZENDESK_OPENAPI``) and
are skipped without it, so a user's clone still passes."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest

from tests.conformance.overrides import apply_overrides
from tests.conformance.patches import Document, operations
from tests.conformance.spec import (
    FULL_SPEC_PATH,
    SUBSET_PATH,
    full_spec_path,
    load_document,
    spec_path,
)
from tests.conformance.spec_subset import KEPT, component_of, kept_paths, main, references

FULL = full_spec_path()
needs_full_spec = pytest.mark.skipif(
    FULL is None,
    reason=f"the full spec is not at {FULL_SPEC_PATH} and ZDSYNC_ZENDESK_OPENAPI is unset: "
    "nothing to compare the committed subset with",
)


@functools.cache
def committed() -> Document:
    return load_document(SUBSET_PATH)


def test_the_suites_read_the_committed_subset_unless_told_otherwise() -> None:
    assert spec_path({}) == SUBSET_PATH


def test_the_subset_with_its_overrides_has_every_kept_operation_and_no_other() -> None:
    patched = apply_overrides(copy.deepcopy(committed()))
    assert {(method, path) for path, method, _, _ in operations(patched)} == KEPT


def test_every_reference_in_the_subset_resolves() -> None:
    components = committed()["components"]
    unresolved = sorted(
        ref
        for ref in set(references(committed()))
        if component_of(ref)[1] not in components.get(component_of(ref)[0], {})
    )
    assert unresolved == []


@needs_full_spec
def test_the_committed_subset_is_what_the_script_writes_from_the_full_spec(
    tmp_path: Path,
) -> None:
    written = tmp_path / "subset.json"
    assert main([str(FULL), "--output", str(written)]) == 0
    same = written.read_text(encoding="utf-8") == SUBSET_PATH.read_text(encoding="utf-8")
    assert same, (
        f"{SUBSET_PATH.name} differs from what the script cuts from {FULL}: regenerate it "
        "with .venv/bin/python -m tests.conformance.spec_subset (make spec-subset)"
    )


@needs_full_spec
def test_the_overrides_give_the_same_spec_from_the_subset_as_from_the_full_file() -> None:
    assert FULL is not None
    from_full = apply_overrides(copy.deepcopy(load_document(FULL)))
    from_subset = apply_overrides(copy.deepcopy(committed()))
    assert kept_paths(from_subset) == kept_paths(from_full)
    for section, entries in from_subset["components"].items():
        for name, entry in entries.items():
            assert entry == from_full["components"][section][name], f"{section}/{name}"
