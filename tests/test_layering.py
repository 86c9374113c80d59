"""The dependency direction of architecture.md: adapters -> sync/rules, sync -> rules,
rules -> nothing but the standard library, emulator -> nothing of ours; sync/cli/ (the
composition root) is the only part of sync that wires adapters or the emulator. A wrong
import arrow fails here."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"rules", "sync", "adapters", "emulator"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules_of("rules"), ids=str)
def test_rules_import_only_the_standard_library(path: Path) -> None:
    foreign = {
        name
        for name in imported_top_levels(path)
        if name not in sys.stdlib_module_names and name != "rules"
    }
    assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


@pytest.mark.parametrize("path", modules_of("sync"), ids=str)
def test_sync_imports_adapters_only_in_the_composition_root(path: Path) -> None:
    if path.parent.name == "cli":
        return
    wired = imported_top_levels(path) & {"adapters", "emulator"}
    assert not wired, f"{path.relative_to(ROOT)} imports {sorted(wired)}; only sync/cli/ wires them"


@pytest.mark.parametrize("path", modules_of("emulator"), ids=str)
def test_emulator_imports_nothing_of_ours(path: Path) -> None:
    # The emulator stands for Zendesk: it may not know our records, rules or adapters.
    ours = imported_top_levels(path) & (OUR_PACKAGES - {"emulator"})
    assert not ours, f"{path.relative_to(ROOT)} imports {sorted(ours)}"


#: What adapters may know of sync: the shared vocabulary, never the orchestration.
ADAPTER_VISIBLE_SYNC = {
    "sync.errors",
    "sync.records",
    "sync.figures",
    "sync.ports",
    "sync.config",
}


@pytest.mark.parametrize("path", modules_of("adapters"), ids=str)
def test_adapters_see_only_the_vocabulary_of_sync(path: Path) -> None:
    assert "emulator" not in imported_top_levels(path), f"{path.relative_to(ROOT)} imports emulator"
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sync"):
            assert node.module in ADAPTER_VISIBLE_SYNC, (
                f"{path.relative_to(ROOT)} imports {node.module}"
            )


def test_every_package_is_checked() -> None:
    # Guards the parametrisation above against an empty glob (a test that cannot fail).
    assert all(modules_of(package) for package in OUR_PACKAGES)
