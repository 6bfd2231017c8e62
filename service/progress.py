"""Progress on a terminal and the one-line summary of a batch run.

The bar is drawn only when stderr is a terminal (a log file or a pipe gets the summary line alone):

    scoring  41% |##########...............|  4,120/10,000 rows  812 rows/s  ETA 0:00:07
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

REFRESH_SECONDS = 0.2  # redraw at most five times a second: smooth enough, and cheap at any row rate
BAR_WIDTH = 25


def summary_line(rows: int, errors: int, seconds: float, output_rows: int | None = None) -> str:
    """`scored 10 rows, 1 errors, 2.00 s, 5 rows/s`; with --sentences the sentence rows written are named too."""
    rate = rows / seconds if seconds > 0 else 0.0
    written = f" into {output_rows} sentence rows" if output_rows is not None else ""
    return f"scored {rows} rows{written}, {errors} errors, {seconds:.2f} s, {rate:.0f} rows/s"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class Progress:
    """Rows done, rows/s and, when the total is known, a bar and the ETA, redrawn in place on one line."""

    def __init__(
        self,
        stream: TextIO,
        total: int | None = None,
        *,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        label: str = "scoring",
    ) -> None:
        self.stream = stream
        self.total = total
        self.enabled = stream.isatty() if enabled is None else enabled
        self.label = label
        self.done = 0
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        now = self._clock()
        if self.enabled and (self._drawn_at is None or now - self._drawn_at >= REFRESH_SECONDS):
            self._draw(now)

    def line(self, now: float) -> str:
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if not self.total:
            return f"{self.label}  {self.done:,} rows  {rate:,.0f} rows/s"
        share = min(self.done / self.total, 1.0)
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        eta = _clock((self.total - self.done) / rate) if rate > 0 and self.done < self.total else "-:--:--"
        return (
            f"{self.label} {share:4.0%} |{bar}| {self.done:,}/{self.total:,} rows  {rate:,.0f} rows/s  ETA {eta}"
        )

    def _draw(self, now: float) -> None:
        text = self.line(now)
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)
        self._drawn_at = now

    def close(self) -> None:
        """Erase the bar, leaving the line free for the summary."""
        if self.enabled and self._drawn_at is not None:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
