"""Harvest files: a killed harvest never leaves a half-written response behind, nor a secret.

Responses and checkpoints are written with :func:`arkgraph.outputs.open_output`: to a hidden
temporary file in the same directory, fsynced, then renamed over the final name. Readers
(``arkgraph convert``) skip hidden files, so they never see a temporary.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..outputs import remove_stale_temps, write_output
from ..redact import Redactor

# Characters that are safe in a file name on every platform we care about.
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def atomic_write(path: Path, data: bytes) -> None:
    # stale temporaries are removed once per run (clean_stale_temps), not per file: a directory
    # holds thousands of responses
    write_output(path, data, fsync=True, parents=True, clean=False)


def save_response(path: Path, content: bytes, redact: Redactor) -> None:
    """A response body as received, except known secrets (a server may echo the token back)."""
    atomic_write(path, redact.bytes(content))


def safe_name(text: str) -> str:
    """A file-name-safe rendering of an identifier (``cb328261098/date`` → ``cb328261098-date``)."""
    return _UNSAFE.sub("-", text).strip("-.") or "_"


def clean_stale_temps(directory: Path) -> int:
    """Remove the temporaries of killed runs under ``directory``, never a live run's; returns how many."""
    return remove_stale_temps(directory, recursive=True)
