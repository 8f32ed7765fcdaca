"""Harvest checkpoints: where a harvest stopped, so the same command resumes there.

One JSON file per job under ``OUT/.arkgraph-harvest/``. The job key is a hash of what
defines the harvest (source, mode, endpoint, query, filters, page size), never of
secrets or politeness settings, so changing ``--rate`` still resumes while another
``--museum`` into the same directory starts its own job. The file is replaced
atomically after each response file is written: a crash between the two only means the
last page is fetched again and rewritten under the same name, never duplicated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..redact import Redactor
from .files import atomic_write

CHECKPOINT_DIR = ".arkgraph-harvest"
VERSION = 1


def job_id(identity: dict[str, Any]) -> str:
    blob = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:10]


class Checkpoint:
    """A small JSON state dict bound to one job, saved atomically on ``save()``."""

    def __init__(self, out: Path, source: str, identity: dict[str, Any], *, redact: Redactor | None = None):
        self.identity = identity
        self.redact = redact or Redactor()  # the saved identity shows the endpoint, which may carry a secret
        self.id = job_id({"source": source, **identity})
        # not *.json: `convert DIR` must never mistake a checkpoint for a response
        self.path = out / CHECKPOINT_DIR / f"{source}-{self.id}.checkpoint"
        self.state: dict[str, Any] = {}
        self.resumed = False
        if self.path.exists():
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = {}  # unreadable checkpoint: start over; response files are rewritten in place
            if doc.get("version") == VERSION and doc.get("job") == self.id:
                self.state = dict(doc.get("state") or {})
                self.resumed = bool(self.state)

    @property
    def complete(self) -> bool:
        return bool(self.state.get("complete"))

    def save(self) -> None:
        doc = {"version": VERSION, "job": self.id, "identity": self.identity, "state": self.state}
        atomic_write(self.path, self.redact.bytes(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")))
