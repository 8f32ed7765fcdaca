"""Progress reporting for harvests (over arkgraph.progress): a one-line bar on a TTY, notes on stderr.

The harvest functions talk to a ``Reporter``; they never print. ``NullReporter`` is for
library use and tests, ``StderrReporter`` for the CLI.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Protocol, TextIO

from .. import progress
from ..progress import Display


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


class StderrReporter:
    """The harvest's display (arkgraph.progress, the one every long command uses): records saved, a rate and,
    when the total is known, a bar with an ETA, on a TTY only; notes are printed above it unless ``quiet``."""

    def __init__(self, label: str, *, stream: TextIO | None = None, quiet: bool = False, start: int = 0,
                 redact: Callable[[str], str] | None = None):
        self.stream = stream or sys.stderr
        self.redact = redact or str  # notes may quote a server's message, which may echo the token
        self.label = label
        self.quiet = quiet
        self.done = start
        self._lock = threading.Lock()
        self._display = Display(label, unit="rec", enabled=progress.wanted(quiet, self.stream), stream=self.stream,
                                initial=start)

    def total(self, total: int | None) -> None:
        with self._lock:
            self._display.set_total(total)

    def advance(self, records: int) -> None:
        with self._lock:
            self.done += records
            self._display.update(self.done)

    def note(self, message: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self._display.note(self.redact(message), stream=self.stream)

    def close(self) -> None:
        with self._lock:
            self._display.close()
