"""Stream Gallica XML (SRU, OAI-PMH, OAIRecord, bare oai_dc) into plain-Python payloads. The per-document
side files (Pagination, Issues, Toc, IIIF manifest) are read by ``gallica_enrichment``.

Memory stays bounded: records are extracted to plain values once read (after each 64 KB chunk, or as
their end tag is read), then the element and its already-processed siblings are freed. Entities are
never expanded: a document that declares any (<!ENTITY>) is refused, which stops both expansion bombs
and external entities.
"""

from __future__ import annotations

import re
from typing import IO, Any, Callable, Iterator

from lxml import etree

from .common import GZIP_DAMAGE, RawRecord, Reject
from .gallica_dc import clean_space, gallica_ark

SOURCE = "gallica"
SRW = "http://www.loc.gov/zing/srw/"
OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
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
