"""Progress of a long pull on the terminal: tqdm bars on a TTY, a line now and then
otherwise (cron mail and container logs stay readable).

On a TTY the bars are redrawn at most ``REDRAWS_PER_SECOND`` times a second, however fast
the pages and audits come, and log lines written meanwhile go above the bar instead of onto
its line (``tqdm.contrib.logging``). Elsewhere a line every ``LINE_EVERY_PAGES`` export
pages and every ``LINE_EVERY_AUDITS`` audit listings, and one when each phase ends.

tqdm rather than rich: it is one small package with no dependencies, draws exactly this
(a bar with a postfix, in place), and hands log lines around the bar for the standard
library's handlers, which rich would want replaced by its own console handler.

The export does not say how many tickets it will send, but its stream is ordered by
``generated_timestamp``, so the share of the time between the first ticket and now that the
pages have covered is an honest measure of how far the backfill is.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Never, TextIO, TypeAlias

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from sync.pull.step import PullReport
from sync.records import ExportPage

REDRAWS_PER_SECOND = 4
LINE_EVERY_PAGES = 10
LINE_EVERY_AUDITS = 500
#: tqdm's format, with the counts (braces doubled) where tqdm's postfix would add a comma.
BAR_FORMAT = "{{desc}} {{bar:24}} {{percentage:3.0f}}%  {counts}"
#: A bar over no iterable: we set its position ourselves.
Bar: TypeAlias = "tqdm[Never]"  # tqdm is generic for type checkers only


class ProgressBar:
    """A ``PullObserver``; use it as a context manager around the pull."""

    def __init__(
        self, stream: TextIO, *, tty: bool, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.tty = tty
        self._monotonic = monotonic
        self._first: int | None = None
        self._bars: dict[str, Bar] = {}
        self._last_draw: dict[str, float] = {}
        self._redirect = contextlib.ExitStack()

    def __enter__(self) -> ProgressBar:
        if self.tty:
            self._redirect.enter_context(logging_redirect_tqdm())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish()

    def export_page(self, report: PullReport, page: ExportPage, now: datetime) -> None:
        stamps = [t.generated_timestamp for t in page.tickets if t.generated_timestamp is not None]
        if stamps and self._first is None:
            self._first = min(stamps)
        share = 1.0 if page.end_of_stream else self._share(max(stamps, default=None), now)
        counts = f"{report.pages} page(s)  {report.exported:,} tickets  {report.kept:,} kept"
        line = page.end_of_stream or report.pages % LINE_EVERY_PAGES == 0
        self._show("export", round(share * 1000), 1000, counts, line=line, end=page.end_of_stream)

    def audits_progress(self, done: int, total: int) -> None:
        line = done == total or done % LINE_EVERY_AUDITS == 0
        counts = f"{done:,}/{total:,} ticket(s)"
        self._show("audits", done, total, counts, line=line, end=done == total)

    def finish(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
        self._redirect.close()

    def _share(self, last: int | None, now: datetime) -> float:
        if last is None or self._first is None:
            return 0.0
        span = now.timestamp() - self._first
        return min(1.0, max(0.0, (last - self._first) / span)) if span > 0 else 1.0

    def _show(
        self, phase: str, done: int, total: int, counts: str, *, line: bool, end: bool
    ) -> None:
        """``line``: worth a line without a TTY; ``end``: the phase's last update."""
        if not self.tty:
            if line:
                share = done / total if total else 1.0
                self.stream.write(f"{phase} {share:4.0%}  {counts}\n")
                self.stream.flush()
            return
        now = self._monotonic()
        last = self._last_draw.get(phase)
        if not end and last is not None and now - last < 1 / REDRAWS_PER_SECOND:
            return
        self._last_draw[phase] = now
        bar = self._bar(phase, total)
        bar.n = min(done, total)
        bar.bar_format = BAR_FORMAT.format(counts=counts.replace("{", "{{").replace("}", "}}"))
        bar.refresh()

    def _bar(self, phase: str, total: int) -> Bar:
        if phase not in self._bars:
            for other in self._bars.values():
                other.close()  # the previous phase's last state stays on its own line
            bar: Bar = tqdm(
                total=total, desc=f"{phase:<6}", file=self.stream,
                bar_format=BAR_FORMAT.format(counts=""),
                ascii=" #", leave=True, mininterval=0, miniters=0, ncols=100,
            )  # fmt: skip
            self._bars = {phase: bar}
        bar = self._bars[phase]
        if bar.total != total:
            bar.total = total
        return bar
