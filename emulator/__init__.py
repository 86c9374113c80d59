"""zdsync's bundled Zendesk emulator: a stateful fake Zendesk over real HTTP.

Stand-alone on purpose (it imports nothing from ``sync`` or ``rules``): it stands for
Zendesk, not for our code. See docs/emulator.md.
"""

from emulator.clock import EmulatorClock
from emulator.emulator import Emulator
from emulator.errors import ApiError, EmulatorError
from emulator.faults import FaultKind, FaultRule
from emulator.ratelimit import RateLimits
from emulator.scenario import Scenario
from emulator.server import LoggedRequest

__all__ = [
    "ApiError",
    "Emulator",
    "EmulatorClock",
    "EmulatorError",
    "FaultKind",
    "FaultRule",
    "LoggedRequest",
    "RateLimits",
    "Scenario",
]
