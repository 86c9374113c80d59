"""The ``--json`` documents of sync, check and db status (docs/cli.md lists every shape).

Keys are only ever added, never renamed or dropped: scripts and monitors read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.store import SchemaStatus
from sync.checks import FAIL, Check
from sync.pull.step import PullReport


def pull_document(report: PullReport) -> dict[str, Any]:
    return {
        "directory_refreshed": report.directory_refreshed,
        "counts": report.counts(),
        "errors": list(report.errors),
        "caught_up_to": report.caught_up_to.isoformat() if report.caught_up_to else None,
        "seconds": round(report.seconds, 3),
        "export_seconds": round(report.export_seconds, 3),
        "audit_seconds": round(report.audit_seconds, 3),
    }


def check_document(checks: Sequence[Check]) -> dict[str, Any]:
    failed = sum(1 for c in checks if c.level == FAIL)
    return {
        "ok": failed == 0,
        "passed": len(checks) - failed,
        "failed": failed,
        "checks": [{"name": c.name, "level": c.level, "detail": c.detail} for c in checks],
    }


def schema_document(status: SchemaStatus) -> dict[str, Any]:
    return {"state": status.state, "current": status.current, "head": status.head}
