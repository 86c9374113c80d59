"""Re-record the committed cassettes in fixtures/cassettes/ (``make cassettes``).

Each cassette is ``zdsync record`` run against the bundled emulator serving one scenario,
its clock frozen at ``RECORDED_AT`` so that every time in the cassette is the same at each
re-recording, with ``ZDSYNC_PSEUDONYM_KEY`` fixed so that the pseudonyms are too: a
re-recording after an emulator or adapter change shows in ``git diff`` exactly what
changed. Run it after anything that changes what the emulator answers or what the adapter
asks; the replay tests (tests/cassette/) fail until then.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from emulator import Emulator, RateLimits, Scenario

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "fixtures" / "cassettes"
#: The emulator's clock during every recording (scenario times like "-3h" count from it).
RECORDED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
#: Keys the fixtures' pseudonyms; it protects nothing (the scenarios are invented people).
FIXTURE_KEY = "zdsync-fixtures"


@dataclass(frozen=True)
class Recording:
    cassette: Path
    scenario: Path
    config: Path


RECORDINGS = (
    Recording(
        CASSETTES / "demo.yaml",
        ROOT / "fixtures" / "scenarios" / "demo.yaml",
        ROOT / "fixtures" / "demo" / "zdsync.yaml",
    ),
    Recording(
        CASSETTES / "push.yaml",
        ROOT / "fixtures" / "scenarios" / "push.yaml",
        ROOT / "fixtures" / "push" / "zdsync.yaml",
    ),
)


def record(recording: Recording) -> str:
    """``zdsync record`` against the scenario, as its API user; what it printed."""
    scenario = Scenario.load(recording.scenario)
    email, token = api_user(scenario)
    limits = RateLimits.disabled()
    with Emulator(scenario, start=RECORDED_AT, frozen=True, rate_limits=limits) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
        env.update(
            ZENDESK_URL=emulator.base_url,
            ZENDESK_EMAIL=email,
            ZENDESK_TOKEN=token,
            ZDSYNC_PSEUDONYM_KEY=FIXTURE_KEY,
        )
        command = [sys.executable, "-m", "sync", "-q", "--config", str(recording.config)]
        done = subprocess.run(
            [*command, "record", str(recording.cassette)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"recording {recording.cassette.name} failed:\n{done.stderr}")
    return done.stdout


def api_user(scenario: Scenario) -> tuple[str, str]:
    """The email and API token of the scenario's first token credential."""
    emails = {user.id: user.email for user in scenario.users}
    credential = next(c for c in scenario.credentials if c.token)
    return credential.email or emails[credential.user] or "", credential.token or ""


def main() -> None:
    CASSETTES.mkdir(parents=True, exist_ok=True)
    for recording in RECORDINGS:
        print(record(recording), end="")


if __name__ == "__main__":
    main()
