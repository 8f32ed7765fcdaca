"""The load checkpoint: which records of a load are committed, so that ``--resume`` skips them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

from ..errors import UsageError
from .base import Log, is_remote


class Checkpoint:
    """An append-only file: a JSON header naming the load, then one committed record key per line.

    Written after each committed batch (flushed and fsynced), removed when the load completes.
    """

    def __init__(self, path: Path | None, header: dict[str, object], *, resume: bool, log: Log):
        self.path = path
        self.header = header
        self.done: set[str] = set()
        self._fh = None
        if path is None:
            return
        if resume and path.exists():
            self.done = self._read(path, header)
            log(f"resuming: {len(self.done):,} records already done (checkpoint {path})")
            self._fh = open(path, "a", encoding="utf-8")
        else:
            if resume:
                log(f"nothing to resume (no checkpoint at {path}); loading from the start")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")
            self._fh.write(json.dumps(header, sort_keys=True) + "\n")
            self._sync()

    @staticmethod
    def _read(path: Path, header: dict[str, object]) -> set[str]:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        lines = text.split("\n")
        try:
            found = json.loads(lines[0])
        except ValueError:
            raise UsageError(f"{path}: not an arkgraph checkpoint; delete it or run without --resume") from None
        if found != header:
            raise UsageError(f"{path}: this checkpoint belongs to another load (target {found.get('target')}, "
                             f"inputs {found.get('inputs')}); delete it or run without --resume")
        return set(lines[1:-1])  # the last piece is "" or a line cut short by a crash

    def mark(self, keys: Iterable[str]) -> None:
        if self._fh is None:
            return
        self._fh.write("".join(k + "\n" for k in keys))
        self._sync()

    def _sync(self) -> None:
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def finish(self) -> None:
        """The load completed: nothing left to resume."""
        self.close()
        if self.path is not None and self.path.exists():
            self.path.unlink()


def checkpoint_key(target_label: str, mode: str, inputs: Iterable[str]) -> dict[str, object]:
    return {"arkgraph_checkpoint": 1, "target": target_label, "mode": mode, "inputs": sorted(inputs)}


def default_checkpoint_path(target: str, header: dict[str, object]) -> Path:
    """Next to an embedded store (``output/store.checkpoint-…``); for a URL, in the working directory."""
    digest = hashlib.sha1(json.dumps(header, sort_keys=True).encode()).hexdigest()[:10]
    if is_remote(target):
        return Path(f".arkgraph-load-{digest}.checkpoint")
    p = Path(target)
    return p.parent / f"{p.name}.checkpoint-{digest}"
