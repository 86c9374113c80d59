"""``zdsync db`` needs only the database URL: a migration job (docker-compose's
``migrate``) has no config file and no Zendesk credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Each runs the CLI in subprocesses (several seconds each).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run_db(action: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync", "db", action],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_db_upgrade_and_status_read_no_config_file(tmp_path: Path) -> None:
    # What Docker leaves when it mounts a file a fresh clone lacks: a directory.
    config = tmp_path / "zdsync.yaml"
    config.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["ZDSYNC_CONFIG"] = str(config)
    env["ZDSYNC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"

    upgraded = run_db("upgrade", env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database upgraded: schema current" in upgraded.stdout
    status = run_db("status", env, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "schema current" in status.stdout


def test_db_status_of_a_fresh_database_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["ZDSYNC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    status = run_db("status", env, cwd=tmp_path)  # no zdsync.yaml in tmp_path
    assert status.returncode == 0, status.stderr
    assert "schema fresh" in status.stdout
