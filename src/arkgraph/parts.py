"""Parts directories: a conversion written as one file per partition, plus the manifest that lists them.

``arkgraph convert … -o parts/ --dask ADDRESS`` (or ``--jobs N --parts``) writes::

    parts/
      part-000000.nq      # N-Quads or N-Triples, optionally .gz; each loadable alone
      part-000001.nq
      manifest.json       # the parts in order, with their counts, sizes and sha256

The parts, concatenated in manifest order, are exactly the one-file output. The writer
(``arkgraph.parallel.PartWriter``) hashes each part as it writes it (:meth:`Part.of_file` describes a part
already on disk) and commits the manifest with :func:`write_manifest`; a reader
(``arkgraph load DIR/``) takes :func:`checked_parts`: the manifest read, every part checked against
it, and the paths in order, or an :class:`~arkgraph.errors.InputError` naming each problem.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .outputs import write_output

MANIFEST = "manifest.json"
FORMATS = ("nq", "nt")
# what a part file is called; a file so named that the manifest does not list is a leftover
PART_NAME = re.compile(r"part-\d{6,}\.(?:nq|nt)(?:\.gz)?")
HASH_BLOCK = 1 << 20  # hashing reads this much at a time: memory stays bounded whatever the part's size

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Part:
    """One part file as the manifest lists it. ``records`` counts the records converted into it
    (deletion markers included), ``rejected`` its partition's records sent to the rejects file."""

    name: str
    records: int
    rejected: int
    triples: int
    bytes: int
    sha256: str

    @classmethod
    def of_file(cls, path: PathLike, *, records: int, rejected: int, triples: int) -> "Part":
        """The entry for a part file as written: its name, size and sha256 read from the disk."""
        p = Path(path)
        return cls(p.name, records, rejected, triples, p.stat().st_size, sha256_file(p))


@dataclass(frozen=True)
class Manifest:
    """A parts directory's manifest: the format (``nq`` or ``nt``) and the parts in order.
    The totals are the parts' sums."""

    format: str
    parts: tuple[Part, ...]
    arkgraph: str = __version__

    @property
    def records(self) -> int:
        return sum(p.records for p in self.parts)

    @property
    def rejected(self) -> int:
        return sum(p.rejected for p in self.parts)

    @property
    def triples(self) -> int:
        return sum(p.triples for p in self.parts)

    def to_json(self) -> str:
        """The manifest's text: UTF-8 JSON, sorted keys, indent 1, one final newline."""
        doc = {"arkgraph": self.arkgraph, "format": self.format,
               "parts": [{"name": p.name, "records": p.records, "rejected": p.rejected, "triples": p.triples,
                          "bytes": p.bytes, "sha256": p.sha256} for p in self.parts],
               "records": self.records, "rejected": self.rejected, "triples": self.triples}
        return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def part_name(index: int, ext: str) -> str:
    """``part_name(0, "nq")`` is ``part-000000.nq``; ``ext`` may be ``nq``, ``nt``, ``nq.gz``, ``nt.gz``
    (a leading dot is allowed). Zero-padded so that name order is manifest order."""
    ext = ext.lstrip(".")
    if index < 0 or not PART_NAME.fullmatch(f"part-000000.{ext}"):
        raise ValueError(f"no part name for index {index} and extension {ext!r}")
    return f"part-{index:06d}.{ext}"


def write_manifest(directory: PathLike, manifest: Manifest) -> Path:
    """Write ``directory/manifest.json``, committed whole (a killed run leaves the previous one or none).
    Returns its path."""
    path = Path(directory) / MANIFEST
    write_output(path, manifest.to_json().encode("utf-8"))
    return path


def is_parts_dir(path: PathLike) -> bool:
    """A directory holding a manifest.json."""
    p = Path(path)
    return p.is_dir() and (p / MANIFEST).is_file()


def read_manifest(directory: PathLike) -> Manifest:
    """``directory``'s manifest. InputError, one line naming the file, if it is missing or not a manifest."""
    path = Path(directory) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{directory}: no {MANIFEST}; a parts directory needs its {MANIFEST}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return _manifest(doc)
    except ValueError as exc:
        raise InputError(f"{path}: not a parts manifest: {exc}") from None


def _manifest(doc: Any) -> Manifest:
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    fmt = doc.get("format")
    if fmt not in FORMATS:
        raise ValueError(f"format is {fmt!r}, not one of {', '.join(FORMATS)}")
    if not isinstance(doc.get("parts"), list):
        raise ValueError("no list of parts")
    parts = []
    for i, entry in enumerate(doc["parts"]):
        parts.append(_part(entry, fmt, i))
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"part {next(n for n in names if names.count(n) > 1)} is listed twice")
    version = doc.get("arkgraph")
    manifest = Manifest(fmt, tuple(parts), version if isinstance(version, str) else "")
    for total in ("records", "rejected", "triples"):
        if doc.get(total) != getattr(manifest, total):
            raise ValueError(f"{total} is {doc.get(total)!r}, not the parts' sum {getattr(manifest, total)}")
    return manifest


def _part(entry: Any, fmt: str, i: int) -> Part:
    if not isinstance(entry, dict):
        raise ValueError(f"part {i} is not a JSON object")
    name = entry.get("name")
    # a plain name of this format, so that a manifest cannot point outside its directory
    if not isinstance(name, str) or not PART_NAME.fullmatch(name) or name.removesuffix(".gz")[-2:] != fmt:
        raise ValueError(f"part {i} has name {name!r}, not a part-NNNNNN.{fmt}[.gz] file name")
    for key in ("records", "rejected", "triples", "bytes"):
        value = entry.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name}: {key} is {value!r}, not a count")
    digest = entry.get("sha256")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"{name}: sha256 is {digest!r}, not 64 lowercase hex digits")
    return Part(name, entry["records"], entry["rejected"], entry["triples"], entry["bytes"], digest)


def sha256_file(path: PathLike) -> str:
    """The hex sha256 of a file's bytes, read a block at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def check(directory: PathLike, manifest: Manifest) -> list[str]:
    """What is wrong with ``directory``'s parts against ``manifest``, one line per problem naming the part:
    a part missing, a size or sha256 that differs, a part file the manifest does not list. Empty if none."""
    d = Path(directory)
    problems = []
    for part in manifest.parts:
        p = d / part.name
        try:
            if not p.is_file():
                problems.append(f"{p}: missing (listed in {MANIFEST})")
                continue
            size = p.stat().st_size
            if size != part.bytes:  # no need to hash it: already known to differ
                problems.append(f"{p}: {size:,} bytes, {MANIFEST} says {part.bytes:,}")
            elif sha256_file(p) != part.sha256:
                problems.append(f"{p}: sha256 differs from {MANIFEST}'s (changed after it was written)")
        except OSError as exc:
            problems.append(f"{p}: cannot read ({exc.strerror})")
    listed = {part.name for part in manifest.parts}
    try:
        names = sorted(os.listdir(d))
    except OSError as exc:
        return problems + [f"{d}: cannot list ({exc.strerror})"]
    for name in names:
        if PART_NAME.fullmatch(name) and name not in listed:
            problems.append(f"{d / name}: not listed in {MANIFEST} (a leftover of an earlier run?)")
    return problems


def checked_parts(directory: PathLike) -> list[Path]:
    """The part files of ``directory`` in manifest order, once every one is checked against its
    manifest; InputError naming every problem (one line each) otherwise."""
    manifest = read_manifest(directory)
    problems = check(directory, manifest)
    if problems:
        raise InputError("\n".join(problems))
    return [Path(directory) / part.name for part in manifest.parts]
