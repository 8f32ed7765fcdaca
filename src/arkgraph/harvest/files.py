"""Atomic file writes: a killed harvest never leaves a half-written response behind.

A response is written to a hidden temporary file in the same directory, flushed and
fsynced, then renamed over its final name with ``os.replace`` (atomic on POSIX and
Windows). Readers (``arkgraph convert``) skip hidden files, so they never see the temp.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# Characters that are safe in a file name on every platform we care about.
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Ctrl-C or a full disk mid-write: drop the temp, keep whatever was there before.
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def safe_name(text: str) -> str:
    """A file-name-safe rendering of an identifier (``cb328261098/date`` → ``cb328261098-date``)."""
    return _UNSAFE.sub("-", text).strip("-.") or "_"


def clean_stale_temps(directory: Path) -> int:
    """Remove ``.*.part`` leftovers of a killed run; returns how many were removed."""
    removed = 0
    if directory.is_dir():
        for tmp in directory.rglob(".*.part"):
            try:
                tmp.unlink()
                removed += 1
            except OSError:
                pass
    return removed
