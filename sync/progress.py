"""Progress of a long pull on the terminal: a bar redrawn in place on a TTY, a line every
few pages otherwise (cron mail and container logs stay readable).

The export does not say how many tickets it will send, but its stream is ordered by
``generated_timestamp``, so the share of the time between the first ticket and now that the
pages have covered is an honest measure of how far the backfill is.
"""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from sync.pull import PullReport
from sync.records import ExportPage

BAR_WIDTH = 24
LINE_EVERY_PAGES = 10


class ProgressBar:
    def __init__(self, stream: TextIO, *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self._first: int | None = None
        self._drawn = False
        self._phase = ""

    def export_page(self, report: PullReport, page: ExportPage, now: datetime) -> None:
        stamps = [t.generated_timestamp for t in page.tickets]
        if stamps and self._first is None:
            self._first = min(stamps)
        share = 1.0 if page.end_of_stream else self._share(max(stamps, default=None), now)
        text = (
            f"export {_bar(share)} {share:4.0%}  {report.pages} page(s)  "
            f"{report.exported:,} tickets  {report.kept:,} kept"
        )
        final = page.end_of_stream or report.pages % LINE_EVERY_PAGES == 0
        self._show("export", text, final=final)

    def audits_progress(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        text = f"audits {_bar(share)} {share:4.0%}  {done:,}/{total:,} ticket(s)"
        self._show("audits", text, final=done == total or done % (LINE_EVERY_PAGES * 50) == 0)

    def finish(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _share(self, last: int | None, now: datetime) -> float:
        if last is None or self._first is None:
            return 0.0
        span = now.timestamp() - self._first
        return min(1.0, max(0.0, (last - self._first) / span)) if span > 0 else 1.0

    def _show(self, phase: str, text: str, *, final: bool) -> None:
        if self.tty:
            if self._drawn and phase != self._phase:
                self.stream.write("\n")  # keep the finished line of the previous phase
            self._phase = phase
            self.stream.write("\r" + text.ljust(78))
            self._drawn = True
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()


def _bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"
