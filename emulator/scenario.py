"""A scenario: the world an emulator starts with.

Scenarios are data files (``fixtures/scenarios/*.yaml``, format in docs/emulator.md),
mappings built by tests, or generated worlds for benchmarks. The records they are made
of live in :mod:`emulator.specs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from emulator.scenario_format import load_file, parse
from emulator.specs import ScenarioData
from emulator.synthesis import generate


@dataclass(frozen=True)
class Scenario(ScenarioData):
    """Everything an emulator starts from. Build with :meth:`load`, :meth:`from_mapping`
    or :meth:`generate`."""

    @classmethod
    def load(cls, path: Path) -> Scenario:
        """Read a scenario file (YAML); errors name the file and the key path."""
        return cls._of(load_file(Path(path)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>") -> Scenario:
        """Build from the parsed form of a scenario file."""
        return cls._of(parse(data, source=source))

    @classmethod
    def generate(
        cls,
        *,
        tickets: int,
        partner_tickets: int,
        audits_per_partner_ticket: int = 3,
        seed: int = 1,
    ) -> Scenario:
        """A synthetic world for benchmarks: ``tickets`` tickets, ``partner_tickets`` of
        them in partner groups with ``audits_per_partner_ticket`` audits each (creation
        included). Deterministic for a given ``seed``."""
        return cls._of(
            generate(
                tickets=tickets,
                partner_tickets=partner_tickets,
                audits_per_partner_ticket=audits_per_partner_ticket,
                seed=seed,
            )
        )

    @classmethod
    def _of(cls, data: ScenarioData) -> Scenario:
        return cls(**{f.name: getattr(data, f.name) for f in fields(ScenarioData)})
