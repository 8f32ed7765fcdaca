"""JSON-LD for web pages: snippets and injection into existing pages. The static record pages
(``embed pages``) are written by :mod:`arkgraph.record_pages`, on top of this module.

Input is an RDF file that ``arkgraph convert`` wrote, in any of its formats, read record by record
by :mod:`arkgraph.rdfio` (the same records ``validate`` and ``load`` see): in N-Quads and TriG a
record is a named graph; in N-Triples, Turtle and JSON-LD records start where a record's main
resource is typed.

Each record becomes one JSON-LD tree per profile, built by :mod:`arkgraph.jsonld`: the schemaorg
tree is compacted with ``https://schema.org`` and rooted at the work, with creators, images and
identifiers nested. In a page it is written inside ``<script type="application/ld+json"
data-arkgraph="PROFILE">``; the JSON text has ``<``, ``>``, ``&``, U+2028 and U+2029 escaped as
``\\uXXXX`` so that no value from the data can end the script element, open a comment, or break a
JavaScript consumer: it is still the same JSON.

Injection edits pages by splicing at exact character offsets: every byte outside the arkgraph
blocks is kept as it was (encoding, line ends, whitespace, markup quirks included).
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from . import ark as arks
from . import jsonld
from .errors import InputError, UsageError
from .outputs import remove_stale_temps, write_output
from .rdfio import formats as rdfio_formats
from .rdfio import readers as rdfio_readers
from .seen import FirstSeen
from .terms import RDF, SCHEMA, Triple

PROFILES = ("schemaorg", "linkedart")
MATCH_BY = ("url", "ark")

_A = f"<{RDF}type>"
_SCHEMA_PREFIX = f"<{SCHEMA}"
_URL = f"<{SCHEMA}url>"
_SAME_AS = f"<{SCHEMA}sameAs>"

# --------------------------------------------------------------------------- reading records

def input_format(path: str) -> str:
    """The format of an input file, from its extension (``-``: N-Quads on stdin); UsageError if it has none
    arkgraph reads."""
    fmt = rdfio_formats.STDIN if path == "-" else rdfio_formats.format_of(path)
    if fmt is None:
        raise UsageError(f"cannot tell the format of {path!r}: arkgraph embed reads .nq, .trig, .nt, .ttl or .jsonld "
                         "(optionally .gz) as written by arkgraph convert")
    return fmt


def read_records(path: str, duplicates: list[str] | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """``(record IRI, triples)`` for each record in an RDF file written by arkgraph, cut by the one
    record rule (:mod:`arkgraph.rdfio.records`).

    Triples are N-Triples term strings, as :func:`arkgraph.jsonld.record_documents` takes them.
    Deletion markers are skipped. A record met again (the same IRI later in the file) is skipped and
    named in ``duplicates``: the first is kept, as ``arkgraph convert`` keeps the first record read
    for an IRI. A deletion marker ends its record: one met after it is new again.
    """
    input_format(path)
    seen = FirstSeen()  # records met so far → their number in the file
    n = 0

    def forget(term: str) -> None:
        seen.forget(seen.digest(term[1:-1]))

    for root, triples in rdfio_readers.read_records(path, on_deletion=forget):
        if not root.startswith("<"):
            continue  # statements before any record's main resource: no record
        n += 1
        iri = root[1:-1]
        first = seen.first(seen.digest(iri), n)
        if first is not None:  # the same record twice in the input: the first is kept
            if duplicates is not None:
                duplicates.append(f"{iri}: duplicate record (record {n} of {path} repeats record {first}); "
                                  "the first is kept")
            continue
        yield iri, triples


def profile_triples(triples: Iterable[Triple], profile: str) -> list[Triple]:
    """A record's triples for one profile: schema.org terms, or everything else (Linked Art)."""
    def is_schema(t: Triple) -> bool:
        return t[1].startswith(_SCHEMA_PREFIX) or (t[1] == _A and t[2].startswith(_SCHEMA_PREFIX))
    if profile == "schemaorg":
        return [t for t in triples if is_schema(t)]
    return [t for t in triples if not is_schema(t)]


def _keywords(v: Any) -> Any:
    """Spell the schema.org context's ``id``/``type`` aliases as ``@id``/``@type``: the same JSON-LD,
    in the form search engines' documentation and validators expect.

    Also keeps whole-number xsd:double values doubles: JSON cannot tell 24.0 from 24, and JSON-LD
    reads a bare whole number as xsd:integer, so such a value is written ``{"@type": "xsd:double",
    "@value": 24.0}`` (other numbers stay bare: 11.5 is read back as the same xsd:double).
    """
    if isinstance(v, list):
        return [_keywords(x) for x in v]
    if isinstance(v, dict):
        if "@value" in v:
            return v
        return {{"id": "@id", "type": "@type"}.get(k, k): _keywords(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer():
        return {"@type": "xsd:double", "@value": v}
    return v


def documents(root: str, triples: Iterable[Triple], profile: str) -> list[dict[str, Any]]:
    """The record's JSON-LD for one profile (the first document is the tree rooted at the work)."""
    ts = profile_triples(triples, profile)
    if not ts:
        return []
    docs = jsonld.record_documents(root, ts, profile)
    return [_keywords(d) for d in docs] if profile == "schemaorg" else docs


_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data: Any, *, ascii_only: bool = False, indent: int | None = None) -> str:
    """JSON text that is safe inside an HTML ``<script>`` element and still the same JSON.

    ``<``, ``>`` and ``&`` can only occur inside JSON strings, where ``\\u003c`` etc. mean the same
    characters; so no ``</script``, ``<!--`` or character reference can appear in the element.
    """
    text = json.dumps(data, ensure_ascii=ascii_only, indent=indent,
                      separators=(",", ": ") if indent is not None else (",", ":"))
    return text.translate(_SCRIPT_ESCAPES)


def script_block(docs: list[dict[str, Any]], profile: str, *, ascii_only: bool = False,
                 indent: int | None = None) -> str:
    data: Any = docs[0] if len(docs) == 1 else docs
    return (f'<script type="application/ld+json" data-arkgraph="{profile}">'
            f"{script_json(data, ascii_only=ascii_only, indent=indent)}</script>")


def record_blocks(root: str, triples: list[Triple], profiles: Iterable[str], **kw: Any) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    docs = {p: documents(root, triples, p) for p in profiles}
    return [script_block(d, p, **kw) for p, d in docs.items() if d], docs


_SAFE_NAME = re.compile(r"[^A-Za-z0-9.~*+@$=-]")


def file_stem(root: str) -> str:
    """A safe, deterministic, injective file name stem for a record IRI.

    ``https://n2t.net/ark:99999/pm216702`` → ``ark-99999-pm216702``; characters outside a safe set
    (``/`` of qualifiers, ``_``, ``%``…) become ``_XX`` (hex), so distinct ARKs never share a name.
    Non-ARK IRIs get ``rec-`` and a hash.
    """
    a = arks.try_parse(root)
    if a is None:
        return "rec-" + hashlib.sha256(root.encode("utf-8")).hexdigest()[:24]
    tail = _SAFE_NAME.sub(lambda m: "".join(f"_{b:02X}" for b in m.group(0).encode("utf-8")),
                          a.name + a.qualifier)
    stem = f"ark-{a.naan}-{tail}"
    if stem.startswith(".") or len(stem) > 180:
        stem = stem[:150] + "_" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:24]
    return stem


def record_ark(root: str) -> str | None:
    a = arks.try_parse(root)
    return str(a) if a else None


# --------------------------------------------------------------------------- summary

@dataclass
class Summary:
    mode: str
    records: int = 0
    written: int = 0
    skipped: int = 0
    pages_scanned: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    pages_unmatched: int = 0
    records_unmatched: int = 0
    conflicts: int = 0
    duplicates: int = 0  # records met again in the input (counted in records): the first is kept
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.skipped or self.conflicts or self.duplicates)

    def line(self) -> str:
        rate = self.records / self.seconds if self.seconds else 0.0
        head = f"arkgraph: {self.records} records read"
        if self.mode == "inject":
            body = (f", {self.pages_scanned} pages scanned, {self.pages_updated} updated, "
                    f"{self.pages_unchanged} already up to date, {self.pages_unmatched} without a record, "
                    f"{self.records_unmatched} records without a page")
            if self.conflicts:
                body += f", {self.conflicts} pages matched by several records (first kept)"
        else:
            what = "snippets" if self.mode == "snippets" else "pages"
            body = f", {self.written} {what} written"
        if self.skipped:
            body += f", {self.skipped} records skipped (no data for the profile)"
        if self.duplicates:
            body += f", {self.duplicates} duplicate records skipped (the first record of each IRI is kept)"
        return f"{head}{body} in {self.seconds:.2f}s ({rate:,.0f} records/s)"


Progress = Callable[[Summary], None]


# --------------------------------------------------------------------------- snippets

def write_per_record(records: Iterable[tuple[str, list[Triple]]], out_dir: str | Path, mode: str,
                     profiles: tuple[str, ...], write: Callable[[Path, str, list[Triple]], bool],
                     progress: Progress | None = None, finish: Callable[[Path], None] | None = None) -> Summary:
    """The loop of the commands that write a file per record (snippets, pages): ``write(out, root, triples)``
    writes one record's file and says whether the record had data for the profiles (if not, it is counted
    as skipped); ``finish(out)`` runs once after the last record."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out)  # once here: each file is then written with clean=False
    s = Summary(mode)
    started = time.perf_counter()
    for root, triples in records:
        s.records += 1
        if write(out, root, triples):
            s.written += 1
        else:
            s.skipped += 1
            s.problems.append(f"{root}: no {'/'.join(profiles)} data")
        if progress and s.records % 1000 == 0:
            s.seconds = time.perf_counter() - started
            progress(s)
    if finish is not None:
        finish(out)
    s.seconds = time.perf_counter() - started
    return s


def write_snippets(records: Iterable[tuple[str, list[Triple]]], out_dir: str | Path, profiles: tuple[str, ...],
                   *, indent: int | None = None, progress: Progress | None = None) -> Summary:
    """One ``<script type="application/ld+json">`` file per record: ``OUT/ark-NAAN-name.html``, in ASCII."""
    def write(out: Path, root: str, triples: list[Triple]) -> bool:
        # ASCII-only JSON (\uXXXX for the rest): right whatever the charset of the page it is included in
        blocks, _ = record_blocks(root, triples, profiles, indent=indent, ascii_only=True)
        if blocks:
            write_output(out / f"{file_stem(root)}.html", ("\n".join(blocks) + "\n").encode("ascii"), clean=False)
        return bool(blocks)
    return write_per_record(records, out_dir, "snippets", profiles, write, progress)


# --------------------------------------------------------------------------- injection

class _Scanner(HTMLParser):
    """Finds, with exact character offsets, what injection needs: the canonical link, a data-ark
    attribute, the arkgraph blocks, and the end of <head> / start of <body>."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.canonical: str | None = None
        self.data_ark: str | None = None
        self.blocks: list[tuple[int, int]] = []
        self.head_end: int | None = None
        self.body_start: int | None = None
        self.body_end: int | None = None
        self._open: int | None = None
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "link" and self.canonical is None and "canonical" in a.get("rel", "").lower().split():
            self.canonical = html.unescape(a.get("href", "")).strip() or None
        if self.data_ark is None and a.get("data-ark"):
            self.data_ark = html.unescape(a["data-ark"]).strip()
        if tag == "script" and "data-arkgraph" in a:
            self._open = self._offset()
        elif tag == "body" and self.body_start is None:
            self.body_start = self._offset()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            start = self._offset()
            end = self.text.find(">", start)
            self.blocks.append((self._open, end + 1 if end >= 0 else len(self.text)))
            self._open = None
        elif tag == "head" and self.head_end is None:
            self.head_end = self._offset()
        elif tag == "body":
            self.body_end = self._offset()


def _decode(data: bytes) -> tuple[str, str, bool]:
    """Text, codec and whether the JSON must be ASCII: byte-exact round trip for any page."""
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        # not UTF-8: every byte maps to one character and back; ASCII-only JSON fits any ASCII-based charset
        return data.decode("latin-1"), "latin-1", True


def splice(text: str, blocks: list[str]) -> str:
    """The page with arkgraph's blocks replaced (in place) or inserted (before </head>); nothing else changes."""
    sc = _Scanner(text)
    nl = "\r\n" if "\r\n" in text else "\n"
    new = nl.join(blocks)
    if sc.blocks:
        first, *rest = sc.blocks
        out, pos = [text[:first[0]], new], first[1]
        for a, b in rest:  # blocks no longer wanted (e.g. a profile dropped) go, with the line end we added
            out.append(text[pos:a])
            pos = b + (2 if text.startswith("\r\n", b) else 1 if text.startswith("\n", b) else 0)
        out.append(text[pos:])
        return "".join(out)
    at = next((x for x in (sc.head_end, sc.body_start, sc.body_end) if x is not None), len(text))
    return text[:at] + new + nl + text[at:]


def norm_url(url: str) -> str:
    """A comparable form of a URL: https, lower-case host, no fragment, default port or trailing slash."""
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = p.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (p.hostname or "").lower()
    if p.port and not ((p.scheme == "http" and p.port == 80) or (p.scheme == "https" and p.port == 443)):
        host = f"{host}:{p.port}"
    path = p.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, p.query, ""))


def _page_urls(rel: str, base_url: str | None, url_map: dict[str, str]) -> list[str]:
    out = []
    if rel in url_map:
        out.append(url_map[rel])
    if base_url:
        base = base_url if base_url.endswith("/") else base_url + "/"
        out.append(base + rel)
        for suffix in ("/index.html", "index.html", ".html", ".htm"):
            if rel.endswith(suffix):
                out.append(base + rel[: -len(suffix)])
                break
    return out


def load_url_map(path: str) -> dict[str, str]:
    """A CSV of ``path,url`` rows (a header row is allowed): page file (relative to --inject) → page URL."""
    out: dict[str, str] = {}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2 and row[0].strip() and row[0].strip().lower() != "path":
                    out[row[0].strip().lstrip("./")] = row[1].strip()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    return out


def _record_keys(root: str, triples: list[Triple], match_by: str) -> list[str]:
    if match_by == "ark":
        a = record_ark(root)
        return [a] if a else []
    r = f"<{root}>"
    urls = [root] + [o[1:-1] for s, p, o in triples if s == r and p in (_URL, _SAME_AS) and o.startswith("<")]
    return list(dict.fromkeys(norm_url(u) for u in urls))


def _page_keys(sc: _Scanner, match_by: str, extra_urls: list[str]) -> list[str]:
    if match_by == "ark":
        a = arks.try_parse(sc.data_ark) if sc.data_ark else None
        return [str(a)] if a else []
    urls = ([sc.canonical] if sc.canonical else []) + extra_urls
    return list(dict.fromkeys(norm_url(u) for u in urls))


def inject(records: Iterable[tuple[str, list[Triple]]], pages_dir: str | Path, profiles: tuple[str, ...],
           match_by: str = "url", *, base_url: str | None = None, url_map: dict[str, str] | None = None,
           indent: int | None = None, progress: Progress | None = None) -> Summary:
    """Insert or replace the arkgraph JSON-LD blocks in the *.html / *.htm pages under ``pages_dir``."""
    if match_by not in MATCH_BY:
        raise UsageError(f"--match-by must be url or ark, not {match_by!r}")
    root_dir = Path(pages_dir)
    if not root_dir.is_dir():
        raise InputError(f"{pages_dir}: not a directory")
    remove_stale_temps(root_dir, recursive=True)  # once here: each page is then written with clean=False
    s = Summary("inject")
    started = time.perf_counter()
    url_map = url_map or {}
    index: dict[str, list[Path]] = defaultdict(list)
    pages = sorted(p for p in root_dir.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    for page in pages:
        s.pages_scanned += 1
        text, _, _ = _decode(page.read_bytes())
        rel = page.relative_to(root_dir).as_posix()
        for key in _page_keys(_Scanner(text), match_by, _page_urls(rel, base_url, url_map)):
            index[key].append(page)
    done: set[Path] = set()
    for root, triples in records:
        s.records += 1
        targets = list(dict.fromkeys(p for k in _record_keys(root, triples, match_by) for p in index.get(k, ())))
        if not targets:
            s.records_unmatched += 1
        else:
            blocks_utf8, _ = record_blocks(root, triples, profiles, indent=indent)
            if not blocks_utf8:
                s.skipped += 1
                s.problems.append(f"{root}: no {'/'.join(profiles)} data")
            for page in targets if blocks_utf8 else ():
                if page in done:
                    s.conflicts += 1
                    s.problems.append(f"{page}: also matches {root}; kept the first record's JSON-LD")
                    continue
                done.add(page)
                data = page.read_bytes()
                text, codec, ascii_only = _decode(data)
                blocks = blocks_utf8
                if ascii_only:
                    blocks, _ = record_blocks(root, triples, profiles, indent=indent, ascii_only=True)
                new = splice(text, blocks).encode(codec, errors="strict")
                if new == data:
                    s.pages_unchanged += 1
                else:
                    write_output(page, new, clean=False)  # stale temps: removed once, up front
                    s.pages_updated += 1
        if progress and s.records % 1000 == 0:
            s.seconds = time.perf_counter() - started
            progress(s)
    s.pages_unmatched = len([p for p in pages if p not in done])
    s.seconds = time.perf_counter() - started
    return s


def __getattr__(name: str) -> Any:
    # the static pages live in record_pages (which imports this module): loaded when first asked for, by
    # cli/embed.py's ``lib.write_pages`` (its one user)
    if name == "write_pages":
        from . import record_pages
        return record_pages.write_pages
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
