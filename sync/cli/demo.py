"""``zdsync demo`` (``make demo``): the product on embedded defaults, no credentials.

Starts the bundled emulator with the demo scenario on a free port, mirrors it into a fresh
SQLite file under .demo/, and shows what happened: the pull's figures, seed 000's List Mode
and one ticket's View Mode.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run against the bundled emulator and show the result")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    print("zdsync demo: not available yet (the emulator is being built)")
    return 0
