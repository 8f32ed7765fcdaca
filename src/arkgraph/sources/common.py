"""What every reader yields, and helpers shared by readers."""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
import zlib
from collections import Counter
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

    def __post_init__(self) -> None:
        # a reject quotes the source (an echoed error body, a record id, a file name decoded with
        # surrogateescape): lone surrogates there cannot be written as UTF-8, so they are shown escaped
        for name in ("file", "record_id", "reason"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isascii():
                setattr(self, name, printable(value))

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "position": self.position, "record_id": self.record_id,
                "source": self.source, "reason": self.reason}


Item = RawRecord | Reject

# a record holding a larger value is rejected (--max-value-bytes): bounded memory on hostile input
DEFAULT_MAX_VALUE_BYTES = 16 << 20


def lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (a ``\\ud800``-``\\udfff`` escape that is not half of a
    pair), which no output can encode. Raises RecursionError or ValueError for a value too deep to look into."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """``text`` with each lone surrogate written as its escape (``\\udc86``), so that it can be encoded."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass
class Mapped:
    """A mapped record plus what the coverage report needs to know about it."""

    record: "Record"
    unhandled: list[str] | Counter[str] = field(default_factory=list)  # non-empty source leaves nobody read
    ignored: list[str] | Counter[str] = field(default_factory=list)    # leaves deliberately not mapped (*-ignored.csv)
    mapped: int = 0                                     # non-empty source leaves used


# what a damaged .gz raises: cut short (EOFError), bad header or CRC (BadGzipFile), bad deflate data (zlib.error)
GZIP_DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error)


class GzipInput(gzip.GzipFile):
    """A .gz input that gives every byte decompressed before damage, then raises the damage.

    ``GzipFile.read(n)`` drops the whole block it was decompressing when the stream turns out damaged
    (truncated, CRC, bad deflate data): a reader asking for 1 MB would lose the records in it. Here the bytes
    before the damage come first and the next read raises it. ``peek`` (used to sniff a file) never raises:
    it keeps the damage in ``damage`` and returns what it has, so a caller asks ``damage`` rather than
    reading an "empty file"."""

    damage: BaseException | None = None

    def peek(self, n: int = 0) -> bytes:
        if self.damage is None:
            try:
                return super().peek(n)
            except GZIP_DAMAGE as exc:
                self.damage = exc
        return b""

    def read(self, size: int | None = -1) -> bytes:
        if self.damage is not None:
            raise self.damage
        if size is None or size < 0:
            size = sys.maxsize
        parts: list[bytes] = []
        got = 0
        while got < size:
            try:
                part = super().read1(min(size - got, 1 << 20))  # one decompressed chunk at a time
            except GZIP_DAMAGE as exc:
                if not parts:
                    raise
                self.damage = exc  # raised on the next read, after the caller has what came before
                break
            if not part:
                break
            parts.append(part)
            got += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.damage = None  # read again from there, the damage is met again in its place
        return super().seek(offset, whence)


def open_binary(path: str) -> IO[bytes]:
    """Open a file or stdin ('-') for binary reading; .gz and gzip magic are read transparently (GzipInput)."""
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
        return GzipInput(fileobj=buf)  # type: ignore[return-value]
    return buf


_WS = re.compile(r"\s+")


def clean(text: Any) -> str | None:
    """Trim and collapse whitespace; empty → None."""
    if text is None:
        return None
    s = _WS.sub(" ", str(text)).strip()
    return s or None


RECORD_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".xml", ".gz"})


def walk_inputs(inputs: list[str], skipped: list[str] | None = None) -> Iterator[str]:
    """Files as given; directories walked in sorted order (deterministic); '-' passes through.

    In a directory, only files named like record files (RECORD_SUFFIXES) are read; the others are appended
    to ``skipped`` so that the run can say so. Hidden files and directories (a harvest's checkpoints) are
    the tools' own: passed over silently."""
    for inp in inputs:
        if inp == "-":
            yield inp
            continue
        p = Path(inp)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if any(part.startswith(".") for part in f.relative_to(p).parts) or not f.is_file():
                    continue
                if f.suffix.lower() in RECORD_SUFFIXES:
                    yield str(f)
                elif skipped is not None:
                    skipped.append(str(f))
        elif p.exists():
            yield str(p)
        else:
            raise InputError(f"{inp}: no such file or directory")
