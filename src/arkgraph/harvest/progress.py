"""Progress reporting for harvests: a one-line bar on a TTY, notes on stderr, nothing else.

The harvest functions talk to a ``Reporter``; they never print. ``NullReporter`` is for
library use and tests, ``StderrReporter`` for the CLI.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO


class Reporter(Protocol):
    def total(self, total: int | None) -> None: ...
    def advance(self, records: int) -> None: ...
    def note(self, message: str) -> None: ...
    def close(self) -> None: ...


class NullReporter:
    def total(self, total: int | None) -> None:
        pass

    def advance(self, records: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class StderrReporter:
    """Bar with counts, rate and ETA (when the total is known), redrawn at most 5×/s.

    The bar is drawn only on a TTY; notes are printed unless ``quiet``.
    """

    WIDTH = 24

    def __init__(self, label: str, *, stream: TextIO | None = None, quiet: bool = False, start: int = 0,
                 redact: Callable[[str], str] | None = None):
        self.stream = stream or sys.stderr
        self.redact = redact or str  # notes may quote a server's message, which may echo the token
        self.label = label
        self.quiet = quiet
        self.bar = not quiet and self.stream.isatty()
        self.done = start
        self._start_count = start
        self._total: int | None = None
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self._lock = threading.Lock()

    def total(self, total: int | None) -> None:
        self._total = total
        self._draw(force=True)

    def advance(self, records: int) -> None:
        with self._lock:
            self.done += records
        self._draw()

    def note(self, message: str) -> None:
        if self.quiet:
            return
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[2K")
            self.stream.write(self.redact(message) + "\n")
            self.stream.flush()
        self._draw(force=True)

    def close(self) -> None:
        if self._drawn:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._t0, 1e-6)
        rate = (self.done - self._start_count) / elapsed
        total = self._total
        if total:
            frac = min(1.0, self.done / total)
            filled = int(frac * self.WIDTH)
            eta = (total - self.done) / rate if rate > 0 else None
            eta_text = f"ETA {_duration(eta)}" if eta is not None else "ETA ?"
            return (f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{total} "
                    f"{frac:4.0%} {rate:.1f} rec/s {eta_text}")
        return f"{self.label} {self.done} records {rate:.1f} rec/s {_duration(elapsed)}"

    def _draw(self, force: bool = False) -> None:
        if not self.bar:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_draw < 0.2:
                return
            self._last_draw = now
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()
            self._drawn = True
