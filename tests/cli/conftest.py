"""The CLI as users run it: ``python -m sync`` in a subprocess, against the emulator over
real HTTP, with a SQLite database in a temporary directory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator import Emulator, RateLimits, Scenario
from tests.worker_env import worker_env

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = ROOT / "fixtures" / "scenarios" / "demo.yaml"
DEMO_CONFIG = ROOT / "fixtures" / "demo" / "zdsync.yaml"


@dataclass
class Cli:
    env: dict[str, str]
    database: Path

    def run(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "sync", *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(
                f"zdsync {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


def cli_env(
    base_url: str, database: Path, config: Path = DEMO_CONFIG, token: str = "demo-token"
) -> dict[str, str]:
    return worker_env(base_url, f"sqlite:///{database}", config, token=token)


@pytest.fixture
def demo_emulator() -> Iterator[Emulator]:
    with Emulator(Scenario.load(DEMO_SCENARIO), rate_limits=RateLimits.disabled()) as emulator:
        yield emulator


@pytest.fixture
def cli(demo_emulator: Emulator, tmp_path: Path) -> Cli:
    database = tmp_path / "zdsync.db"
    return Cli(cli_env(demo_emulator.base_url, database), database)
