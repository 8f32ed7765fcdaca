"""Read Gallica's per-document side files (Pagination, Issues, Toc, IIIF manifest) into frozen values
keyed by ARK, for the mapper to join to the records (``gallica.Mapper._enrich``).

Each file is read whole (a few MB at most, bounded by ``_MAX_ENRICHMENT``), parsed without entities, and
reduced to the few values the mapper uses; what cannot be used becomes a reject plus an ``Unenriched`` per
document the file was meant for. The record reader is ``gallica_reader``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from lxml import etree

from .common import GZIP_DAMAGE, Reject, lone_surrogate
from .gallica_dc import gallica_ark
from .gallica_reader import _PARSER_OPTS, ENTITY_REFUSAL, SOURCE, _damage, _declares_entities

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
    if re.search(rb"<alto\b", h) and (b"www.loc.gov/standards/alto" in h or b"schema.ccs-gmbh.com/ALTO" in h):
        return "alto"
    if re.search(rb"<mets\b", h) and b"www.loc.gov/METS" in h:
        return "mets"  # the METS manifest of an OCR delivery, beside its ALTO pages
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
    if not rejects or (kind == "contentsearch" and len(rejects) < len(items)):  # damaged items beside good hits
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
    if kind in ("alto", "mets"):  # issue #19: the pages' OCR text
        from . import gallica_alto
        yield from (gallica_alto.read(data, name) if kind == "alto" else gallica_alto.read_mets(data, name))
        return
    if kind == "contentsearch":  # issue #19: full-text search hits
        from . import gallica_contentsearch
        yield from gallica_contentsearch.read(data, name)
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
