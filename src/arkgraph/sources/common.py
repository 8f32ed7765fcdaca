"""What every reader yields, and helpers shared by readers."""

from __future__ import annotations

import gzip
from collections import Counter
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import InputError
from ..model import Record


@dataclass(slots=True)
class RawRecord:
    """One record as read: payload plus where it came from (for rejects and provenance)."""

    source: str          # parismusees | gallica
    file: str            # file name, or "-" for stdin
    position: int        # 1-based record position in the file
    payload: Any         # dict (JSON) or lxml element (XML)
    record_id: str | None = None
    kind: str = "record"  # record | enrichment


@dataclass(slots=True)
class Reject:
    """A record (or part of a file) that could not be converted, with the reason."""

    file: str
    position: int | None
    record_id: str | None
    reason: str
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "position": self.position, "record_id": self.record_id,
                "source": self.source, "reason": self.reason}


Item = RawRecord | Reject


@dataclass
class Mapped:
    """A mapped record plus what the coverage report needs to know about it."""

    record: "Record"
    unhandled: list[str] | Counter[str] = field(default_factory=list)  # non-empty source leaves nobody read
    ignored: list[str] | Counter[str] = field(default_factory=list)    # leaves deliberately not mapped (*-ignored.csv)
    mapped: int = 0                                     # non-empty source leaves used


def open_binary(path: str) -> IO[bytes]:
    """Open a file or stdin ('-') for binary reading; .gz and gzip magic are read transparently."""
    if path == "-":
        raw: IO[bytes] = sys.stdin.buffer
        buf = io.BufferedReader(raw) if not hasattr(raw, "peek") else raw  # type: ignore[arg-type]
    else:
        try:
            buf = open(path, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    head = buf.peek(2)[:2] if hasattr(buf, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buf)  # type: ignore[return-value]
    return buf


def peek_text(fh: IO[bytes], n: int = 2048) -> bytes:
    """The first bytes of a stream without consuming them."""
    if hasattr(fh, "peek"):
        data = fh.peek(n)
        return data[:n]
    raise InputError("stream cannot be sniffed")


_WS = re.compile(r"\s+")


def clean(text: Any) -> str | None:
    """Trim and collapse whitespace; empty → None."""
    if text is None:
        return None
    s = _WS.sub(" ", str(text)).strip()
    return s or None


def walk_inputs(inputs: list[str]) -> Iterator[str]:
    """Files as given; directories walked in sorted order (deterministic); '-' passes through."""
    for inp in inputs:
        if inp == "-":
            yield inp
            continue
        p = Path(inp)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                hidden = any(part.startswith(".") for part in f.relative_to(p).parts)  # e.g. harvest checkpoints
                if f.is_file() and not hidden and f.suffix.lower() in {".json", ".jsonl", ".ndjson", ".xml", ".gz"}:
                    yield str(f)
        elif p.exists():
            yield str(p)
        else:
            raise InputError(f"{inp}: no such file or directory")
