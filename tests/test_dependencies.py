"""What the shipped code imports is what a runtime install brings: every third-party
module that rules/, sync/, adapters/ or emulator/ import belongs to a distribution named in
``[project].dependencies``. The Docker image and ``pip install zdsync`` install those
alone; ``zdsync record`` once died there with ``ModuleNotFoundError: No module named
'vcr'`` because vcrpy was a developers' extra."""

from __future__ import annotations

import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.test_layering import OUR_PACKAGES, ROOT, imported_top_levels, modules_of


@cache
def runtime_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normalised(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]}  # fmt: skip


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _providers() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions that provide it."""
    return {name: list(found) for name, found in packages_distributions().items()}


SHIPPED = [path for package in sorted(OUR_PACKAGES) for path in modules_of(package)]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(ROOT)))
def test_shipped_code_imports_only_runtime_dependencies(path: Path) -> None:
    providers = _providers()
    runtime = runtime_distributions()
    third_party = {
        name
        for name in imported_top_levels(path)
        if name not in sys.stdlib_module_names and name not in OUR_PACKAGES
    }
    missing = {
        name: sorted(providers.get(name, ["?"]))
        for name in third_party
        if not runtime & {_normalised(d) for d in providers.get(name, [])}
    }
    assert not missing, (
        f"{path.relative_to(ROOT)} imports {missing} (module: its distributions), "
        "which [project].dependencies does not name"
    )
