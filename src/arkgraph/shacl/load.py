"""Shapes files: arkgraph's bundled shapes or the user's (``--shapes``), read into ``Shapes`` once per run."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from ..errors import UsageError
from .shapes import Shapes, ShapesError
from .terms import Triple


def _shape_files(shapes_dir: str | Path | None) -> list[tuple[str, bytes]]:
    if shapes_dir is None:
        folder = resources.files("arkgraph._shapes")
        entries = [e for e in folder.iterdir() if e.name.endswith(".ttl")]
        return [(e.name, e.read_bytes()) for e in sorted(entries, key=lambda e: e.name)]
    p = Path(shapes_dir)
    if p.is_file():
        return [(p.name, p.read_bytes())]
    if not p.is_dir():
        raise UsageError(f"--shapes {shapes_dir}: no such file or directory")
    files = sorted(p.glob("*.ttl"))
    if not files:
        raise UsageError(f"--shapes {shapes_dir}: no .ttl files")
    return [(f.name, f.read_bytes()) for f in files]


def shapes_triples(shapes_dir: str | Path | None = None) -> list[Triple]:
    """The shapes files' triples (the bundled shapes when ``shapes_dir`` is None) as N-Triples term strings."""
    out: list[Triple] = []
    for i, (name, data) in enumerate(_shape_files(shapes_dir)):
        # the parser's blank node ids are random per process: renamed in order of appearance, so reports
        # (sh:sourceShape) and summaries are the same bytes run after run
        labels: dict[str, str] = {}

        def term(t: object, i: int = i, labels: dict[str, str] = labels) -> str:
            if isinstance(t, ox.BlankNode):
                return labels.setdefault(t.value, f"_:s{i}b{len(labels)}")
            return str(t)
        try:
            for t in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=f"file:///{name}"):
                out.append((term(t.subject), str(t.predicate), term(t.object)))
        except SyntaxError as exc:
            raise ShapesError(f"shapes file {name}: {exc}") from None
    return out


def shapes_turtle(shapes_dir: str | Path | None = None) -> str:
    """All shapes as one N-Triples text (for pySHACL or for inspection)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in shapes_triples(shapes_dir))


_CACHE: dict[str, Shapes] = {}


def load(shapes_dir: str | Path | None = None) -> Shapes:
    """The shapes in ``shapes_dir`` (a .ttl file or a folder of them; None: arkgraph's own), read once per process."""
    key = str(Path(shapes_dir).resolve()) if shapes_dir else ""
    if key not in _CACHE:
        _CACHE[key] = Shapes(shapes_triples(shapes_dir), str(shapes_dir or "bundled shapes"))
    return _CACHE[key]
