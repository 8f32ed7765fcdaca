"""Stream Gallica XML (SRU, OAI-PMH, OAIRecord, bare oai_dc) into plain-Python payloads, and read the
per-document enrichment files (Pagination, Issues, Toc, IIIF manifest).

Memory stays bounded: records are extracted to plain values once read (after each 64 KB chunk, or as
their end tag is read), then the element and its already-processed siblings are freed. Entities are
never expanded: a document that declares any (<!ENTITY>) is refused, which stops both expansion bombs
and external entities.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from lxml import etree

from .common import GZIP_DAMAGE, RawRecord, Reject, lone_surrogate
from .gallica_dc import clean_space, gallica_ark

SOURCE = "gallica"
SRW = "http://www.loc.gov/zing/srw/"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DC_PREFIX = "{" + DC + "}"
_PARSER_OPTS: dict[str, Any] = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
ENTITY_REFUSAL = ("the document declares XML entities (<!ENTITY>); arkgraph never expands them "
                  "(entity-expansion bombs, external entities): file refused")


def _head_kind(head: bytes) -> str | None:
    """Which response this is, from its first bytes (before any parsing)."""
    h = head[:4096]
    if b"searchRetrieveResponse" in h or b"srw:records" in h or b"zing/srw" in h:
        return "sru"
    if b"<OAI-PMH" in h:
        return "oai-pmh"
    if re.search(rb"<results\b", h) and (b"OAIRecord" in h or b"<notice" in h):
        return "oairecord"
    if re.search(rb"<oai_dc:dc\b", h) and not re.search(rb"<(?:results|[A-Za-z:]*record)\b", h):
        return "dc"
    return None


def _declares_entities(el: Any) -> bool:
    dtd = el.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _text(el: Any) -> str:
    t = el.text
    if len(el):  # mixed content is rare in DC; keep all of it
        t = "".join(el.itertext())
    return t or ""


# local names by Clark tag: a record file uses a handful of tags, so each is split once (bounded)
_LOCAL_NAMES: dict[str, str] = {}


def _local_name(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[len(_DC_PREFIX):] if tag.startswith(_DC_PREFIX) else tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[tag] = name
    return name


def _element_name(tag: Any) -> str | None:
    """An element's local name; None for comments and processing instructions (their tag is a function)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None and isinstance(tag, str):
        name = _local_name(tag)
    return name


# values of these elements recur from record to record (the same agents, types, languages, rights…): each
# distinct one is cleaned once, and the records share one string (whose hash the mapper's caches then reuse)
_RECURRING = frozenset(("creator", "contributor", "publisher", "type", "language", "rights", "format", "subject",
                        "coverage", "description"))
_CLEANED: dict[str, str] = {}


def _dc(dc_el: Any, mixed: Callable[[Any], str] = _text) -> tuple[dict[str, list[str]], int]:
    """DC element name → its cleaned non-empty values in document order (whitespace runs → one space,
    trimmed, as ``clean_space``), and how many values that is. ``xml:lang`` is not read: the
    mapping does not use it (the French/English pairs of dc:type are told apart by the tables).
    ``mixed`` gives the text of a value with child elements (rare in DC)."""
    fields: dict[str, list[str]] = {}
    n = 0
    cleaned = _CLEANED
    for child in dc_el:
        name = _element_name(child.tag)
        if name is None:
            continue
        text = child.text if not len(child) else mixed(child)
        if not text:
            continue
        if name in _RECURRING:
            hit = cleaned.get(text)
            if hit is None:
                if len(cleaned) >= 20_000:  # bounded: dropped when full
                    cleaned.clear()
                hit = cleaned[text] = clean_space(text)
            text = hit
        else:
            text = clean_space(text)
        if not text:
            continue
        vs = fields.get(name)
        if vs is None:
            fields[name] = [text]
        else:
            vs.append(text)
        n += 1
    return fields, n


def _header(h: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"identifier": None, "datestamp": None, "setSpec": [], "status": h.get("status")}
    for child in h:
        name = _element_name(child.tag)
        if name is None:
            continue
        if name == "setSpec":
            out["setSpec"].append((child.text or "").strip())
        elif name in ("identifier", "datestamp"):
            out[name] = (child.text or "").strip() or None
    return out


def _extras(parent: Any, skip: tuple[str, ...] = (), mixed: Callable[[Any], str] = _text) -> list[tuple[str, str]]:
    """(name, text) of the non-blank extra elements, in document order (attributes are not mapped)."""
    out: list[tuple[str, str]] = []
    append = out.append
    for child in parent:
        name = _element_name(child.tag)
        if name is None:
            continue
        if skip and name in skip:
            continue
        if len(child):
            for sub in child:  # listBibVirt/label
                sname = _element_name(sub.tag)
                if sname is not None:
                    text = sub.text if not len(sub) else mixed(sub)
                    if text and not text.isspace():
                        append((f"{name}.{sname}", text))
        else:
            text = child.text
            if text and not text.isspace():  # empty elements (<epubFile/>) carry nothing
                append((name, text))
    return out


def _free(el: Any) -> None:
    """Drop a processed record and every earlier sibling, so a 2 GB file needs no more memory than one record."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def read(fh: IO[bytes], name: str, max_value_bytes: int | None = None) -> Iterator[RawRecord | Reject]:
    """The records of a Gallica response. ``max_value_bytes`` (every reader takes it) is not needed here:
    libxml2 refuses a text node over 10 MB, which bounds a value; such a value is damage (see README)."""
    head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    kind = _head_kind(head)
    if kind is None:
        yield Reject(name, None, None, "not a Gallica record response (expected SRU searchRetrieveResponse, "
                     "OAI-PMH, OAIRecord <results> or oai_dc:dc)", SOURCE)
        return
    if b"<!ENTITY" in head:
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    if kind in _RECORD_TAGS and fh.seekable():
        done = 0
        try:
            for item in _read_streaming(fh, name, kind):
                done += 1
                yield item
            return
        except (etree.XMLSyntaxError, _Unusual, OSError, *GZIP_DAMAGE):
            pass  # a read error (a cut .gz) too: the pull reader meets it again, and says so
        # damaged or unusual: the pull reader says what and where, from the start; the items already given are skipped
        fh.seek(0)
        items = _read_pull(fh, name, kind)
        for _ in zip(range(done), items):
            pass
        yield from items
        return
    yield from _read_pull(fh, name, kind)


# record elements of a response, matched at any depth as the pull parser's tag filter does
_RECORD_TAGS = {"sru": (f"{{{SRW}}}record",), "oai-pmh": (f"{{{OAI}}}record", f"{{{OAI}}}error")}
_CHUNK = 65536
_MAX_UNREAD = 1 << 24
_MARKER = b"<!---->"
_ENCODING_DECL = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")


class _Unusual(Exception):
    """The streaming reader met a layout it does not handle (e.g. nested records): ``_read_pull`` takes over."""


def _mixed_content(el: Any) -> str:
    raise _Unusual("a value with child elements")


def _marked(first: bytes) -> bytes | None:
    """The first chunk with an empty comment after the XML declaration (before the root), or None when the
    encoding is not UTF-8 (the comment could not be inserted as bytes)."""
    start = 3 if first.startswith(b"\xef\xbb\xbf") else 0
    if first.startswith(b"<?xml", start):
        end = first.find(b"?>", start)
        if end < 0:
            return None
        enc = _ENCODING_DECL.search(first, start, end)
        if enc and enc.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
        at = end + 2
    elif first[start:].lstrip().startswith(b"<"):
        at = start  # no declaration: UTF-8; a comment may come before the whitespace
    else:
        return None
    return first[:at] + _MARKER + first[at:]


def _read_streaming(fh: IO[bytes], name: str, kind: str) -> Iterator[RawRecord | Reject]:
    """The records of an SRU or OAI-PMH response, as ``_read_pull`` gives them, at less cost: ``_read_pull``
    asks libxml2 for element events, and each one is a call back into Python (taking the GIL) for every start
    and end tag of the file. Here libxml2 builds the tree alone; the only events asked for are comments, and
    one empty comment inserted before the root gives a handle on the document as it grows. After each chunk,
    the record elements found (all siblings) are complete but for the last one, which waits for the next
    chunk; each is freed once read, as ``_read_pull`` does. Raises ``_Unusual`` (not UTF-8, records that
    are not all siblings: nested or in several places, a value with child elements, no record ending in 16 MB)
    or XMLSyntaxError: the caller then starts over with ``_read_pull``."""
    marked = _marked(fh.read(_CHUNK))
    if marked is None:
        raise _Unusual("not UTF-8")
    # whitespace-only text between elements is never read here: without it libxml2 builds (and frees) a third
    # fewer nodes. Text of mixed content could lose such whitespace: a value with child elements goes back to
    # _read_pull (_mixed_content)
    parser = etree.XMLPullParser(events=("comment",), remove_blank_text=True, **_PARSER_OPTS)
    parser.feed(marked)
    tags = _RECORD_TAGS[kind]
    sru = kind == "sru"
    marker = root = parent = None
    n = unread = 0
    checked = final = False
    while True:
        for _event, comment in parser.read_events():
            if marker is None:
                marker = comment
        if root is None and marker is not None:
            root = marker.getroottree().getroot()  # None until the root's start tag is read
        matches = list(root.iter(*tags)) if root is not None else []
        if matches:
            if parent is None:
                parent = matches[0].getparent()
                if parent is None:
                    raise _Unusual("the root is a record")
            for el in matches:
                if el.getparent() is not parent:
                    raise _Unusual("records are not all siblings")
            last = None if final else matches.pop()  # may still be open: read after the next chunk
            for el in matches:
                if not checked:  # where _read_pull checks: at the first record read
                    checked = True
                    if _declares_entities(el):
                        yield Reject(name, el.sourceline, None, ENTITY_REFUSAL, SOURCE)
                        return
                item = _response_item(el, name, n + 1, sru, _mixed_content)
                if isinstance(item, RawRecord):
                    n += 1
                if item is not None:
                    yield item
                el.clear(keep_tail=False)
                parent.remove(el)
            if matches and last is not None:
                while parent[0] is not last:  # whatever came between the records read (comments…), as _free drops it
                    del parent[0]
        if matches:
            unread = 0
        elif unread > _MAX_UNREAD:  # each chunk walks the whole unread tree: _read_pull reads that in one pass
            raise _Unusual("no record ends in 16 MB")
        if final:
            return
        data = fh.read(_CHUNK)
        if data:
            unread += len(data)
            parser.feed(data)
        else:
            parser.close()
            final = True


def _read_pull(fh: IO[bytes], name: str, kind: str) -> Iterator[RawRecord | Reject]:
    """Every item of a response, from the start, with one end event per record element (or per element for
    the small single-record documents). A pull parser fed in chunks, not ``etree.iterparse``: when a later
    byte is damaged, iterparse drops end events it had already parsed (libxml2 2.14, lxml 6), while the
    pull parser's events are still there to read after the error, so every record completed before the
    damage is kept, whatever libxml2's version."""
    tags = _RECORD_TAGS.get(kind)  # None: small single-record documents, handled when the root ends
    n = 0
    checked = False
    parser = etree.XMLPullParser(events=("end",), tag=tags, **_PARSER_OPTS)
    etree.clear_error_log()  # the damage is then the first error logged (see _damage)
    error: str | None = None
    # read1: a cut .gz raises at the cut, and what read() had decompressed of the same call would be lost
    read_chunk = getattr(fh, "read1", fh.read)
    while error is None:
        data = b""
        try:
            data = read_chunk(_CHUNK)
            if data:
                parser.feed(data)
            else:
                parser.close()
        except etree.XMLSyntaxError as exc:
            error = _damage(exc)[1]  # the events parsed before the damage are still to be read
        except (OSError, *GZIP_DAMAGE) as exc:  # e.g. a cut .gz
            error = f"cannot read further: {exc}"
        # at the end of the data, libxml2 2.14 ends the elements left open (a cut record) with end events
        # when close() fails: those records are not whole, and not read
        events = parser.read_events() if data or error is None else ()
        for _event, el in events:
            if not checked:
                checked = True
                if _declares_entities(el):
                    yield Reject(name, el.sourceline, None, ENTITY_REFUSAL, SOURCE)
                    return
            if tags is not None:
                item = _response_item(el, name, n + 1, kind == "sru")
                if isinstance(item, RawRecord):
                    n += 1
                    yield item
                    _free(el)
                elif item is not None:
                    yield item
            elif el.getparent() is None:
                if kind == "oairecord":
                    for rec_el in el.iter("record"):
                        n += 1
                        payload = _oairecord(el, rec_el)
                        yield RawRecord(SOURCE, name, n, payload, payload["id"])
                elif kind == "dc":
                    n += 1
                    fields, leaves = _dc(el)
                    payload = _payload("dc", _NO_HEADER, fields, leaves, [], el.sourceline)
                    yield RawRecord(SOURCE, name, n, payload, payload["id"])
        if not data:
            break
    if error is not None:
        yield Reject(name, n + 1, None, f"{error}; the {n} record(s) before it were read, "
                     "the rest of the file is lost", SOURCE)


def _damage(exc: etree.XMLSyntaxError) -> tuple[int | None, str]:
    """The line of the damage, and what and where it is, from the first error logged since the parse began
    (the caller clears lxml's log first). A pull parser may go on after an error and raise a later, vaguer one
    (with libxml2 2.14, ``&nbsp;`` gives "Start tag expected" at line 1, or "no element found" at line 0)."""
    first = next((e for e in exc.error_log if e.level >= etree.ErrorLevels.ERROR), None) if exc.error_log else None
    if first is not None and first.line:
        line, col, msg = first.line, first.column, first.message
    else:
        (line, col), msg = exc.position or (None, None), exc.msg
    return line, f"damaged XML at line {line}, column {col}: {msg}"


def _response_item(el: Any, name: str, n: int, sru: bool, mixed: Callable[[Any], str] = _text) -> RawRecord | Reject | None:
    """What a record element of an SRU or OAI-PMH response gives, as the ``n``-th record: the record, an
    OAI-PMH error's reject, or None (``noRecordsMatch``). ``mixed`` reads a value with child elements."""
    if sru:
        payload = _sru_record(el, mixed)
    elif el.tag.endswith("}error"):
        code = el.get("code") or ""
        if code == "noRecordsMatch":
            return None
        message = el.text if not len(el) else mixed(el)
        return Reject(name, None, None, f"OAI-PMH error {code}: {(message or '').strip()}", SOURCE)
    else:
        payload = _oai_record(el, mixed)
    return RawRecord(SOURCE, name, n, payload, payload["id"])


def _first_ark(header: dict[str, Any], fields: dict[str, list[str]]) -> str | None:
    ark = gallica_ark(header.get("identifier"))
    if ark:
        return ark
    for text in fields.get("identifier", ()):
        if "ark:" in text:
            return gallica_ark(text)
    return None


def _payload(fmt: str, header: dict[str, Any], fields: dict[str, list[str]], leaves: int,
             extra: list[tuple[str, str]], line: int | None) -> dict[str, Any]:
    """What the mapper reads: ``fields`` (DC element → cleaned non-empty values, document order),
    ``leaves`` (how many values), ``extra`` ((name, text) of non-blank extra elements), the header."""
    return {"format": fmt, "header": header, "fields": fields, "leaves": leaves, "extra": extra, "line": line,
            "id": _first_ark(header, fields)}


_SRW_RECORD_DATA = f"{{{SRW}}}recordData"
_SRW_EXTRA = f"{{{SRW}}}extraRecordData"
# SRU records have no OAI header: one shared, never modified
_NO_HEADER: dict[str, Any] = {"identifier": None, "datestamp": None, "setSpec": (), "status": None}


def _sru_record(el: Any, mixed: Callable[[Any], str] = _text) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    leaves = 0
    extra: list[tuple[str, str]] = []
    for child in el:
        tag = child.tag
        if tag == _SRW_RECORD_DATA:
            for d in child:
                if isinstance(d.tag, str):
                    fields, leaves = _dc(d, mixed)
                    break
        elif tag == _SRW_EXTRA:
            extra = _extras(child, (), mixed)
    return _payload("sru", _NO_HEADER, fields, leaves, extra, el.sourceline)


def _oai_record(el: Any, mixed: Callable[[Any], str] = _text) -> dict[str, Any]:
    header: dict[str, Any] = _NO_HEADER
    fields: dict[str, list[str]] = {}
    leaves = 0
    for child in el:
        name = _element_name(child.tag)
        if name is None:
            continue
        if name == "header":
            header = _header(child)
        elif name == "metadata":
            for d in child:
                if isinstance(d.tag, str):
                    fields, leaves = _dc(d, mixed)
                    break
    return _payload("oai-pmh", header, fields, leaves, [], el.sourceline)


def _oairecord(root: Any, rec_el: Any) -> dict[str, Any]:
    p = _oai_record(rec_el)
    p["format"] = "oairecord"
    p["extra"] = _extras(root, skip=("notice",))
    for k, v in root.attrib.items():
        if v and not v.isspace():
            p["extra"].append((f"@{k}", v))
    return p


# --- enrichments ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    numero: str            # printed page label, "NP" when none
    ordre: int             # 1-based view number
    pagination_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Pagination:
    ark: str
    pages: tuple[Page, ...]
    has_toc: bool = False
    first_page: int | None = None


@dataclass(frozen=True, slots=True)
class IssueYears:
    parent: str                 # periodical ARK, ark:12148/cb…/date
    years: tuple[str, ...]
    total: int | None = None


@dataclass(frozen=True, slots=True)
class IssueList:
    parent: str
    year: str | None
    issues: tuple[tuple[str, str, int | None], ...]  # (issue ARK, label, dayOfYear)


@dataclass(frozen=True, slots=True)
class IssueOf:
    """Keyed by an issue's ARK: its periodical and its label in the Issues list."""
    parent: str
    label: str
    year: str | None = None
    day_of_year: int | None = None


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    level: int
    page: str | None = None     # printed page number
    view: int | None = None     # view number (…/f<view>)
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Toc:
    entries: tuple[TocEntry, ...]
    variant: str                # tei | xhtml


@dataclass(frozen=True, slots=True)
class Canvas:
    n: int
    label: str | None
    width: int | None
    height: int | None
    image: str | None
    service: str | None


@dataclass(frozen=True, slots=True)
class Manifest:
    ark: str
    url: str
    label: str | None           # the shelfmark in Gallica manifests, not the title
    description: str | None
    license: str | None
    attribution: str | None
    thumbnail: str | None
    related: str | None
    canvases: tuple[Canvas, ...]
    metadata: tuple[tuple[str, str], ...]
    ignored: int = 0            # values of an unexpected JSON type, not used
    ignored_example: str | None = None
    file: str = ""


def enrichment_kind(head: bytes) -> str | None:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if h[:1] in (b"{", b"["):
        # Gallica writes @context and @type last, so the manifest @id (…/iiif/…/manifest.json) is the early
        # clue; or its sequences, when the @id is not a string
        if (b"iiif.io/api/presentation" in h or b"sc:Manifest" in h
                or re.search(rb'"@id"\s*:\s*"[^"]*/iiif/[^"]*manifest', h) or re.search(rb'"sequences"\s*:\s*\[', h)):
            return "iiif"
        return None
    if re.search(rb"<livre\b", h) and b"<structure" in h:
        return "pagination"
    if re.search(rb"<issues\b", h):
        return "issues"
    if re.search(rb"<tei\.2\b", h, re.I) or b"tdmNum" in h:
        return "toc"
    if re.search(rb"<html\b", h, re.I) and re.search(rb"tdm|TABLE DES MATI", h, re.I):
        return "toc"  # the older XHTML Toc (its stylesheet and script are styleTdm…, scriptTdm…); other HTML is not ours
    if re.search(rb"<results\b", h) and b"<items" in h and b"OAIRecord" not in h:
        return "contentsearch"
    return None


@dataclass(frozen=True, slots=True)
class Unenriched:
    """Keyed by a document's ARK: a side file meant for it could not be used (its reject says why). The record
    is still converted, flagged ``un-enriched``."""
    file: str


# an enrichment file is one document's side file (a few MB at most): read whole, within this bound
_MAX_ENRICHMENT = 1 << 27


def read_enrichment(fh: IO[bytes], name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(ARK, object)`` pairs to join to the records; or the file's reject, followed by an ``Unenriched``
    for each document it was meant for, when that can be told (file name, or a regular expression over the
    bytes when they cannot be parsed)."""
    head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    kind = enrichment_kind(head)
    if kind == "contentsearch":
        yield Reject(name, None, None, "a Gallica ContentSearch response (full-text hits) is not converted", SOURCE)
        return
    data = b""
    items: list[tuple[str, object] | Reject]
    try:
        data = fh.read(_MAX_ENRICHMENT + 1)
        if len(data) > _MAX_ENRICHMENT:
            items = [Reject(name, None, None, f"larger than {_MAX_ENRICHMENT >> 20} MB: not a Gallica side file "
                            "for one document; file not used", SOURCE)]
        else:
            items = list(_enrichment_items(kind, data, name))
    except (OSError, *GZIP_DAMAGE) as exc:  # a damaged .gz
        items = [Reject(name, None, None, f"cannot read: {exc}; file not used", SOURCE)]
    except etree.XMLSyntaxError as exc:
        line, what = _damage(exc)
        items = [Reject(name, line, None, f"{what}; file not used", SOURCE)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        items = [Reject(name, None, None, f"unexpected {kind or 'enrichment'} content: {exc}", SOURCE)]
    rejects = [i for i in items if isinstance(i, Reject)]
    if not rejects:
        yield from items
        return
    keys = list(dict.fromkeys(r.record_id for r in rejects if r.record_id)) or _keys_of(kind, data, name)
    for r in rejects:
        yield r if r.record_id or not keys else Reject(r.file, r.position, keys[0], r.reason, r.source)
    for key in keys:
        yield key, Unenriched(name)


def _enrichment_items(kind: str | None, data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    if kind == "iiif":
        yield from _manifest(data, name)
        return
    if kind is None:
        yield Reject(name, None, None, "not a Gallica enrichment response", SOURCE)
        return
    if b"<!ENTITY" in data[:4096]:
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    etree.clear_error_log()  # see _damage
    root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTS))
    if _declares_entities(root):
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    if kind == "pagination":
        yield from _pagination(root, name)
    elif kind == "issues":
        yield from _issues(root, name)
    else:
        yield from _toc(root, name)


# where the documents' ARKs are in a side file that cannot be parsed (first match only, but for Issues)
_KEYS_IN = {"pagination": re.compile(rb"<idUPN>\s*([^<\s]+)"),
            "issues": re.compile(rb"""\b(parentArk|ark)\s*=\s*["']([^"'<>]+)"""),
            "iiif": re.compile(rb'"(?:@id|related)"\s*:\s*"([^"]+)"')}


def _keys_of(kind: str | None, data: bytes, name: str) -> list[str]:
    """The ARKs of the documents a side file that could not be read was meant for."""
    keys: dict[str, None] = {}
    pattern = _KEYS_IN.get(kind or "")
    if pattern is not None:
        for m in pattern.finditer(data):
            if kind == "issues":
                text = m.group(2).decode("utf-8", "replace")
                key = _periodical(text) if m.group(1) == b"parentArk" else gallica_ark(text)
            else:
                key = gallica_ark(m.group(1).decode("utf-8", "replace"))
            if key:
                keys[key] = None
                if kind != "issues":
                    break
    if not keys:
        key = _ark_from_name(name)
        if key:
            keys[key] = None
    return list(keys)


def _int(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _child(el: Any, name: str) -> str | None:
    c = el.find(name)
    return (c.text or "").strip() if c is not None and c.text else None


def _pagination(root: Any, name: str) -> Iterator[tuple[str, object] | Reject]:
    st = root.find("structure")
    ark = gallica_ark(_child(st, "idUPN") if st is not None else None) or _ark_from_name(name)
    if not ark:
        yield Reject(name, None, None, "Pagination without idUPN: cannot tell which document it belongs to", SOURCE)
        return
    pages = []
    for p in root.iter("page"):
        ordre = _int(_child(p, "ordre"))
        if ordre is None:
            continue
        pages.append(Page(_child(p, "numero") or "NP", ordre, _child(p, "pagination_type"),
                          _int(_child(p, "image_width")), _int(_child(p, "image_height"))))
    has_toc = (_child(st, "hasToc") or "").lower() == "true" if st is not None else False
    first = _int(_child(st, "firstDisplayedPage")) if st is not None else None
    yield ark, Pagination(ark, tuple(pages), has_toc, first)


def _periodical(parent_ark: str) -> str | None:
    """An Issues response's parentArk (``ark:/12148/cb…`` or ``…/date``) → the periodical's ARK."""
    return gallica_ark(parent_ark if "/date" in parent_ark else parent_ark + "/date")


def _issues(root: Any, name: str) -> Iterator[tuple[str, object] | Reject]:
    parent_raw = root.get("parentArk") or ""
    parent = _periodical(parent_raw)
    if not parent:
        yield Reject(name, None, None, f"Issues without a usable parentArk ({parent_raw!r})", SOURCE)
        return
    if root.get("listType") == "years":
        years = tuple((y.text or "").strip() for y in root.iter("year") if (y.text or "").strip())
        yield parent, IssueYears(parent, years, _int(root.get("totalIssues")))
        return
    year = root.get("date")
    issues = []
    for i in root.iter("issue"):
        ark = gallica_ark(i.get("ark"))
        if not ark:
            continue
        label = re.sub(r"\s+", " ", i.text or "").strip()
        day = _int(i.get("dayOfYear"))
        issues.append((ark, label, day))
        yield ark, IssueOf(parent, label, year, day)
    yield parent, IssueList(parent, year, tuple(issues))


_NAME_ARK = re.compile(r"(?:bpt6k|btv1b|bd6t|bc6p)[0-9a-z]+")
_VIEW_FROM = re.compile(r"/0*(\d+)\.\w+\)?\s*$")
_VIEW_JS = re.compile(r"allerA\('[^']*',\s*'(\d+)'\)")


def _ark_from_name(name: str) -> str | None:
    m = _NAME_ARK.search(Path(name).stem)
    return f"ark:12148/{m.group(0)}" if m else None


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _toc(root: Any, name: str) -> Iterator[tuple[str, object] | Reject]:
    ark = _ark_from_name(name)
    tag = root.tag if isinstance(root.tag, str) else ""
    xhtml = etree.QName(tag).localname.lower() == "html"
    if not xhtml and etree.QName(tag).localname.lower() != "tei.2":
        yield Reject(name, None, None, f"unexpected Toc root <{etree.QName(tag).localname}>", SOURCE)
        return
    entries = _toc_xhtml(root) if xhtml else _toc_tei(root)
    mangled = tag == "tei.2"  # lower-cased by an HTML parser somewhere before us
    if not ark:
        yield Reject(name, None, None, "a Toc response does not name its document: save it as toc/<ark name>.xml "
                     f"(e.g. bpt6k5603637g.xml) so it can be joined{'; this copy was also lower-cased by an HTML parser' if mangled else ''}",
                     SOURCE)
        return
    if not entries:
        yield Reject(name, None, ark, "Toc has no entries", SOURCE)
        return
    yield ark, Toc(tuple(entries), "xhtml" if xhtml else "tei")


def _local(el: Any) -> str:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""


def _toc_tei(root: Any) -> list[TocEntry]:
    out: list[TocEntry] = []
    for el in root.iter():
        name = _local(el)
        if name == "head":
            level = sum(1 for a in el.iterancestors() if _local(a).startswith("div"))
            text = _clean("".join(el.itertext()))
            if text:
                out.append(TocEntry(text, level, heading=True))
        elif name in ("item", "row"):
            segs = [_clean("".join(s.itertext())) for s in el.iter() if _local(s) == "seg"]
            xrefs = [x for x in el.iter() if _local(x) == "xref"]
            title = ". ".join(dict.fromkeys(s for s in segs if s))
            if not title:
                continue
            page = ", ".join(_clean("".join(x.itertext())) for x in xrefs) or None
            view = None
            if xrefs:
                m = _VIEW_FROM.search(xrefs[0].get("from") or "")
                view = int(m.group(1)) if m else None
            level = sum(1 for a in el.iterancestors() if _local(a).startswith("div"))
            out.append(TocEntry(title, level, page, view))
    return out


def _toc_xhtml(root: Any) -> list[TocEntry]:
    out: list[TocEntry] = []
    for tr in root.iter():
        if _local(tr) != "tr":
            continue
        cells = [c for c in tr if _local(c) == "td"]
        texts = [_clean("".join(c.itertext())) for c in cells]
        page = None
        view = None
        if texts and re.fullmatch(r"[0-9IVXLCDMivxlcdm]+", texts[-1] or ""):
            page = texts[-1]
            m = _VIEW_JS.search(etree.tostring(cells[-1], encoding="unicode"))
            view = int(m.group(1)) if m else None
            texts = texts[:-1]
        title = ". ".join(t for t in texts if t)
        if title:
            out.append(TocEntry(title, 1, page, view, heading=page is None))
    return out


class _Typed:
    """Reads manifest values of the JSON type expected; a value of another type (a list where a string is
    expected, an object, a number, …) is ignored and counted, never used as is."""

    def __init__(self) -> None:
        self.ignored = 0
        self.example: str | None = None

    def wrong(self, path: str, v: Any) -> None:
        self.ignored += 1
        if self.example is None:
            self.example = f"{path} is a JSON {_JSON_TYPES.get(type(v), type(v).__name__)}"

    def items(self, obj: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        """The objects of a list value (missing or null: none)."""
        v = obj.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            self.wrong(f"{path}{key}", v)
            return []
        out = []
        for i, x in enumerate(v):
            if isinstance(x, dict):
                out.append(x)
            elif x is not None:
                self.wrong(f"{path}{key}[{i}]", x)
        return out

    def obj(self, obj: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        v = obj.get(key)
        if isinstance(v, dict):
            return v
        if v is not None:
            self.wrong(f"{path}{key}", v)
        return {}

    def uri(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        """A link: a string, or an object with a string @id; of a list, the first (IIIF allows all three)."""
        v = obj.get(key)
        if isinstance(v, list) and key != "@id":
            v = v[0] if v else None
        if isinstance(v, dict) and key != "@id":
            v = v.get("@id")
        if v is None or isinstance(v, str):
            return _s(v)
        self.wrong(f"{path}{key}", v)
        return None

    def text(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        """A text: a string or number, or an object with a string @value; of a list, the first (IIIF language
        forms)."""
        v = obj.get(key)
        if isinstance(v, list):
            v = v[0] if v else None
        if isinstance(v, dict):
            v = v.get("@value")
        if v is None or (isinstance(v, (str, int, float)) and not isinstance(v, bool)):
            return _s(v)
        self.wrong(f"{path}{key}", v)
        return None

    def size(self, obj: dict[str, Any], key: str, path: str) -> int | None:
        v = obj.get(key)
        n = _int(v) if isinstance(v, (int, str)) and not isinstance(v, bool) else None
        if n is not None and 0 < n < 1 << 31:
            return n
        if v is not None:
            self.wrong(f"{path}{key}", v)
        return None


_JSON_TYPES = {list: "array", dict: "object", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}
_CANVAS_VIEW = re.compile(r"/f(\d{1,9})$")


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _manifest(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        yield Reject(name, None, None, f"damaged IIIF manifest JSON: {exc}", SOURCE)
        return
    except RecursionError:  # hostile nesting ([[[…]]] 100,000 deep): json gives up before the stack does
        yield Reject(name, None, None, "IIIF manifest JSON nested too deep to be a manifest; file not used", SOURCE)
        return
    if not isinstance(doc, dict):
        yield Reject(name, None, None, f"IIIF manifest is a JSON {_JSON_TYPES.get(type(doc), '?')}, not an object",
                     SOURCE)
        return
    if _SURROGATE_ESCAPE.search(data) and lone_surrogate(doc):  # most such escapes are halves of a pair
        yield Reject(name, None, None, "IIIF manifest holds a lone surrogate (a \\ud800-\\udfff escape that is not "
                     "half of a pair), which no output can encode; file not used", SOURCE)
        return
    t = _Typed()
    url = t.uri(doc, "@id", "") or ""
    related = t.uri(doc, "related", "")
    ark = gallica_ark(url) or gallica_ark(related) or _ark_from_name(name)
    if not ark:
        yield Reject(name, None, None, "IIIF manifest without a Gallica ARK in @id or related", SOURCE)
        return
    canvases = []
    for si, seq in enumerate(t.items(doc, "sequences", "")):
        for i, c in enumerate(t.items(seq, "canvases", f"sequences[{si}]."), 1):
            at = f"sequences[{si}].canvases[{i - 1}]."
            m = _CANVAS_VIEW.search(t.uri(c, "@id", at) or "")
            image = service = None
            for img in t.items(c, "images", at)[:1]:
                res = t.obj(img, "resource", f"{at}images[0].")
                image = t.uri(res, "@id", f"{at}images[0].resource.")
                service = t.uri(res, "service", f"{at}images[0].resource.")
            canvases.append(Canvas(int(m.group(1)) if m else i, t.text(c, "label", at), t.size(c, "width", at),
                                   t.size(c, "height", at), image, service))
    meta = tuple((t.text(m, "label", f"metadata[{i}].") or "", t.text(m, "value", f"metadata[{i}].") or "")
                 for i, m in enumerate(t.items(doc, "metadata", "")))
    yield ark, Manifest(ark, url, t.text(doc, "label", ""), t.text(doc, "description", ""),
                        t.uri(doc, "license", ""), t.text(doc, "attribution", ""), t.uri(doc, "thumbnail", ""),
                        related, tuple(canvases), meta, t.ignored, t.example, name)


def _s(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    s = _clean(str(v))
    return s or None
