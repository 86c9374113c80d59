"""zdsync's bundled Zendesk emulator: a stateful fake Zendesk over real HTTP.

Stand-alone on purpose (it imports nothing from ``sync`` or ``rules``): it stands for
Zendesk, not for our code. See docs/emulator.md.
"""

from adapters.emulator.clock import EmulatorClock
from adapters.emulator.emulator import Emulator
from adapters.emulator.errors import ApiError, EmulatorError
from adapters.emulator.faults import FaultKind, FaultRule
from adapters.emulator.ratelimit import RateLimits
from adapters.emulator.scenario import Scenario
from adapters.emulator.server import LoggedRequest

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
