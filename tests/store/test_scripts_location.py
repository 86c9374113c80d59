"""Where the Alembic scripts are found: a checkout's folder, or the copy a non-editable
install (the Docker image) puts below its data prefix, as pyproject.toml declares."""

from __future__ import annotations

import glob
import shutil
import tomllib
from pathlib import Path

from adapters.store.migrations import INSTALLED_SCRIPTS, SCRIPTS, locate_scripts

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_uses_its_own_folder() -> None:
    assert ROOT / "alembic" == SCRIPTS


def test_an_install_without_the_checkout_uses_the_installed_copy(tmp_path: Path) -> None:
    data = tmp_path / "prefix"
    shutil.copytree(ROOT / "alembic", data / INSTALLED_SCRIPTS)
    found = locate_scripts(tmp_path / "site-packages" / "alembic", [tmp_path / "other", data])
    assert found == data / INSTALLED_SCRIPTS


def test_without_any_copy_the_checkout_path_is_named(tmp_path: Path) -> None:
    # Alembic then fails naming the folder it looked in.
    checkout = tmp_path / "alembic"
    assert locate_scripts(checkout, [tmp_path]) == checkout


def test_the_install_ships_every_migration_script() -> None:
    """Every file Alembic needs (env.py, the template, each revision) matches a data-files
    entry, placed where ``locate_scripts`` looks; a new revision is picked up by the glob."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data_files = project["tool"]["setuptools"]["data-files"]
    shipped: dict[Path, Path] = {}
    for target, patterns in data_files.items():
        for pattern in patterns:
            for name in glob.glob(pattern, root_dir=ROOT):
                shipped[Path(name)] = Path(target) / Path(name).name
    needed = [
        path.relative_to(ROOT)
        for path in (ROOT / "alembic").rglob("*")
        if path.is_file() and path.suffix in {".py", ".mako"} and "__pycache__" not in path.parts
    ]
    assert needed
    for path in needed:
        assert path in shipped, f"{path} is not installed (pyproject.toml data-files)"
        assert shipped[path] == INSTALLED_SCRIPTS / path.relative_to("alembic")
