"""Gallica's full-text search hits: a ContentSearch response (issue #19), read into ``SearchHits``.

A response (``services/ContentSearch?ark=<name>&query=<q>``, ``shared/reference/gallica-formats.md`` §8) is
``<results countResults=…><query>q</query><items><item><p_id>PAG_512</p_id><content>…</content></item>…``,
where ``content`` holds HTML snippets: ``<span class='highlight'>…</span>`` around the words found, character
references (``&#234;``), and ``(...)`` between snippets. It does not name its document: the harvester saves it
named after the document's ARK (``contentsearch/bpt6k5628146t.xml``, ``bpt6k5628146t-garde-champetre.xml``),
and a response whose name holds no ARK is rejected.

What a hit is:

- the page is the item's ``p_id`` (``PAG_512`` → 512, the document's ``/f512``);
- each run of highlighted spans separated only by whitespace is one fragment (``<span>Garde</span>
  <span>champêtre</span>`` → "Garde champêtre": the query is a phrase), one ``SearchHit`` each;
- its ``prefix`` and ``suffix`` are the text before and after it within its own snippet (never across
  ``(...)``), whitespace runs made one space, trimmed, None when empty; ``exact`` likewise;
- ``n`` is its rank among that page's hits for the query, from 1, in the order of the response.

Parsing is lxml without entities, DTD or network; a document that declares entities is refused. Named HTML
entities in the snippets (``&eacute;``), which XML does not define, are read as HTML reads them. A response
that is still not well-formed is read item by item: an item that cannot be parsed, names no page or has no
highlight is rejected with its reason (``position`` is the item's rank in the response, ``record_id`` the
document's ARK) and the other items are kept; damage outside the items is one more reject beside the hits.
"""

from __future__ import annotations

import hashlib
import html.entities
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..model import SearchHit, TextQuote
from .common import Reject
from .gallica_enrichment import _ark_from_name
from .gallica_reader import _PARSER_OPTS, ENTITY_REFUSAL, SOURCE, _damage, _declares_entities

__all__ = ["SearchHits", "fragments", "read"]



_NOT_WORD = re.compile(r"[^a-z0-9]+")
_KEYS: dict[str, str] = {}


def query_key(query: str) -> str:
    """A search query as a name, the same for the harvest's file (``contentsearch/<name>-<key>.xml``) and the
    annotations' IRIs: its words folded to ASCII, then 8 hex digits of a hash of the exact query, so that two
    queries never share one (``garde champêtre`` → ``garde-champetre-<8 hex>``; no Latin letters: the hash
    alone). Deterministic, file-name and IRI safe."""
    key = _KEYS.get(query)
    if key is None:
        folded = unicodedata.normalize("NFKD", query).encode("ascii", "ignore").decode("ascii").lower()
        words = _NOT_WORD.sub("-", folded).strip("-")[:60].strip("-")
        digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        key = f"{words}-{digest}" if words else digest
        if len(_KEYS) >= 4096:  # bounded: queries recur across a run's documents
            _KEYS.clear()
        _KEYS[query] = key
    return key

@dataclass(frozen=True, slots=True)
class SearchHits:
    """Keyed by a document's ARK: the hits one ContentSearch response gives for one query."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int | None = None    # the response's countResults (a response may list only the first items)
    file: str = ""


_PAGE = re.compile(r"PAG_0*([1-9][0-9]{0,8})")
_SEPARATORS = re.compile(r"\(\.\.\.\)|\(…\)")
_NAMED = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_NAMED = frozenset((b"amp", b"lt", b"gt", b"quot", b"apos"))
_ITEM_START = re.compile(rb"<item\b[^>]*>")
_ITEM_END = re.compile(rb"</item\s*>")
_QUERY = re.compile(rb"<query\b[^>]*>.*?</query\s*>", re.DOTALL)
_COUNT = re.compile(rb"""\bcountResults\s*=\s*["']\s*(\d{1,12})\s*["']""")


def read(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(document ARK, SearchHits)`` for a response, with a reject per item that cannot be read; or the
    response's reject."""
    ark = _ark_from_name(name)
    if not ark:
        yield Reject(name, None, None, "a ContentSearch response does not name its document, so arkgraph cannot "
                     "tell which document it is for: save it as contentsearch/<ark name>.xml or <ark name>-<query>.xml "
                     "(e.g. bpt6k5628146t-garde-champetre.xml) so it can be joined", SOURCE)
        return
    if b"<!ENTITY" in data:
        yield Reject(name, 1, ark, ENTITY_REFUSAL, SOURCE)
        return
    data = _html_entities(data)
    parser = etree.XMLParser(**_PARSER_OPTS)
    etree.clear_error_log()  # see gallica_reader._damage
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        yield from _item_by_item(data, name, ark, _damage(exc))
        return
    if _declares_entities(root):
        yield Reject(name, 1, ark, ENTITY_REFUSAL, SOURCE)
        return
    if not isinstance(root.tag, str) or etree.QName(root).localname != "results":
        yield Reject(name, None, ark, f"not a ContentSearch response: root <{etree.QName(root).localname}>", SOURCE)
        return
    query = _query(root.find("query"))
    if not query:
        yield Reject(name, None, ark, "ContentSearch response without its query (<query>): its hits cannot be "
                     "told apart from another search's", SOURCE)
        return
    items = root.find("items")
    yield from _response(name, ark, query, _total(root.get("countResults")),
                         list(items.iterfind("item")) if items is not None else [])


def _html_entities(data: bytes) -> bytes:
    """Named HTML entities (``&eacute;``) as character references: XML defines only five names."""
    if b"&" not in data:
        return data

    def ref(m: re.Match[bytes]) -> bytes:
        key = m.group(1)
        if key in _XML_NAMED:
            return m.group(0)
        text = html.entities.html5.get(key.decode("ascii") + ";")
        return "".join(f"&#{ord(c)};" for c in text).encode("ascii") if text else m.group(0)

    return _NAMED.sub(ref, data)


def _query(el: Any) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _total(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _response(name: str, ark: str, query: str, total: int | None,
              items: list[Any | Reject]) -> Iterator[tuple[str, object] | Reject]:
    """The response's items (elements, or the rejects of those that could not be parsed), read in order."""
    hits: list[SearchHit] = []
    ranks: dict[int, int] = {}
    for position, item in enumerate(items, 1):
        if isinstance(item, Reject):
            yield item
            continue
        p_id = " ".join("".join(item.find("p_id").itertext()).split()) if item.find("p_id") is not None else ""
        m = _PAGE.fullmatch(p_id)
        if m is None:
            yield Reject(name, position, ark, f"ContentSearch item {position}: p_id {p_id[:80]!r} is not a page "
                         "(PAG_<n>, n from 1): its hits are not kept", SOURCE)
            continue
        page = int(m.group(1))
        content = item.find("content")
        quotes = fragments(content) if content is not None else []
        if not quotes:
            yield Reject(name, position, ark, f"ContentSearch item {position} ({p_id}): no highlighted fragment in "
                         "its content", SOURCE)
            continue
        for quote in quotes:
            ranks[page] = n = ranks.get(page, 0) + 1
            hits.append(SearchHit(query, page, quote, n))
    yield ark, SearchHits(query, tuple(hits), total, name)


def _item_by_item(data: bytes, name: str, ark: str,
                  damage: tuple[int | None, str]) -> Iterator[tuple[str, object] | Reject]:
    """A response that is not well-formed: each ``<item>…</item>`` parsed on its own."""
    line, what = damage
    q = _QUERY.search(data)
    query = ""
    if q is not None:
        try:
            query = _query(etree.fromstring(q.group(0), etree.XMLParser(**_PARSER_OPTS)))
        except etree.XMLSyntaxError:
            query = ""
    starts = list(_ITEM_START.finditer(data))
    if not query or not starts:
        yield Reject(name, line, ark, f"{what}; "
                     + ("no readable query (<query>)" if not query else "no item could be found") + "; file not used",
                     SOURCE)
        return
    items: list[Any | Reject] = []
    read_to = 0
    for position, start in enumerate(starts, 1):
        limit = starts[position].start() if position < len(starts) else len(data)
        end = _ITEM_END.search(data, start.end(), limit)
        if end is None:
            items.append(Reject(name, position, ark, f"ContentSearch item {position} is cut short (no </item> "
                                "before the next item or the end of the file): its hits are not kept", SOURCE))
            continue
        etree.clear_error_log()
        try:
            items.append(etree.fromstring(data[start.start():end.end()], etree.XMLParser(**_PARSER_OPTS)))
            read_to = end.end()
        except etree.XMLSyntaxError as exc:
            items.append(Reject(name, position, ark, f"ContentSearch item {position}: {_damage(exc)[1]} (within "
                                "the item): its hits are not kept", SOURCE))
    parsed = sum(1 for i in items if not isinstance(i, Reject))
    # the damage is outside every item (junk after the root, a cut after the last item…): said, the items kept
    if parsed == len(items):
        items.append(Reject(name, line, ark, f"{what} (outside the items, after byte {read_to}); "
                            f"the {parsed} item(s) were read one by one and kept", SOURCE))
    total = _COUNT.search(data[:4096])
    yield from _response(name, ark, query, int(total.group(1)) if total else None, items)


def _highlight(el: Any) -> bool:
    return (isinstance(el.tag, str) and etree.QName(el).localname.lower() == "span"
            and "highlight" in (el.get("class") or "").split())


def _snippets(content: Any) -> list[list[tuple[str, bool]]]:
    """The content as snippets (split at ``(...)``), each a list of ``(text, highlighted)`` runs."""
    snippets: list[list[tuple[str, bool]]] = [[]]

    def plain(text: str | None) -> None:
        if not text:
            return
        parts = _SEPARATORS.split(text)
        runs = snippets[-1]
        if runs and not runs[-1][1]:  # plain text next to plain text (a tail, then a <b>): one run
            runs[-1] = (runs[-1][0] + parts[0], False)
        else:
            runs.append((parts[0], False))
        for part in parts[1:]:
            snippets.append([(part, False)])

    plain(content.text)
    for child in content:
        if _highlight(child):
            text = "".join(child.itertext())
            if text.strip():
                snippets[-1].append((text, True))
            else:
                plain(text)
        elif isinstance(child.tag, str):  # another element (<b>, <br/>): its text is snippet text
            plain("".join(child.itertext()))
        plain(child.tail)
    return snippets


def _clean(text: str) -> str:
    return " ".join(text.split())


def fragments(content: Any) -> list[TextQuote]:
    """The highlighted fragments of an item's ``<content>`` element, in order, with their context."""
    out: list[TextQuote] = []
    for runs in _snippets(content):
        i = 0
        while i < len(runs):
            if not runs[i][1]:
                i += 1
                continue
            j = i + 1  # the fragment is runs[i:j]: highlights joined by whitespace only
            while j < len(runs):
                if runs[j][1]:
                    j += 1
                elif not runs[j][0].strip() and j + 1 < len(runs) and runs[j + 1][1]:
                    j += 2
                else:
                    break
            exact = _clean("".join(t for t, _ in runs[i:j]))
            prefix = _clean("".join(t for t, _ in runs[:i]))
            suffix = _clean("".join(t for t, _ in runs[j:]))
            out.append(TextQuote(exact, prefix or None, suffix or None))
            i = j
    return out
