"""One progress display for every long command (convert, validate, load, embed, harvest), on tqdm.

A line on stderr with the counts, a rate and, when the total is known (the input files' sizes, before a
conversion), a bar with an ETA. Off when stderr is not a terminal and under ``--quiet``: a piped or logged run
gets only the summary line. The libraries report through callbacks; only the commands make a display.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

from tqdm import tqdm


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to show progress: not under --quiet, and only on a terminal."""
    stream = stream or sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


class Display:
    """``update(done, **counts)``; ``note(line)`` prints a line above the bar; ``close()`` ends it (also as a
    context manager). ``total`` and ``done`` are in ``unit`` (records, or bytes of input when the total is the
    input files' size); ``None`` total: counts and rate, no bar."""

    def __init__(self, what: str, *, unit: str = "records", total: int | None = None, enabled: bool = True,
                 stream: TextIO | None = None, initial: int = 0):
        self.enabled = enabled
        self._bar: Any = None
        self._unbounded = "{desc}: {n_fmt} {unit} [{elapsed}, {rate_fmt}{postfix}]"
        if enabled:
            scale = unit == "B"
            # a terminal that reports no size (0 x 0) would get no display at all (tqdm hides a bar below the
            # last row): the usual 80 x 24 then
            size = shutil.get_terminal_size()
            self._bar = tqdm(total=total or None, desc=what, unit=unit, unit_scale=scale,
                             unit_divisor=1024 if scale else 1000, file=stream or sys.stderr,
                             ncols=size.columns or 80, nrows=size.lines or 24,
                             leave=False, mininterval=0, smoothing=0.1,  # callers report every N records
                             initial=initial, bar_format=None if total else self._unbounded)

    def update(self, done: int, **counts: object) -> None:
        if self._bar is None:
            return
        if counts:
            self._bar.set_postfix(counts, refresh=False)
        self._bar.update(max(0, done - self._bar.n))

    def set_total(self, total: int | None) -> None:
        """The total, once known (a harvest learns it from its first response)."""
        if self._bar is not None:
            self._bar.total = total or None
            self._bar.bar_format = None if total else self._unbounded
            self._bar.refresh()

    def note(self, line: str, stream: TextIO | None = None) -> None:
        """A line above the bar (the bar is redrawn under it)."""
        if self._bar is not None:
            self._bar.write(line, file=stream or sys.stderr)
        else:
            print(line, file=stream or sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Display":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def input_bytes(paths: list[str]) -> int | None:
    """The total size of the input files a run will read (directories walked as the readers walk them); None
    when one is stdin or cannot be measured: then the display shows counts and a rate, without a bar."""
    from .sources.common import walk_inputs

    total = 0
    try:
        for name in walk_inputs(paths, []):
            if name == "-":
                return None
            total += os.path.getsize(name)
    except OSError:
        return None
    return total
