"""Gallica's OCR text (issue #19): one ALTO file per page, and the METS manifest of an OCR delivery.

``read`` gives ``(document ARK, PageText)`` for one ALTO page; ``read_mets`` gives ``(document ARK,
OcrDelivery)`` for the manifest. Both are called by ``gallica_enrichment.read_enrichment`` (which bounds a
file to 128 MB) and never raise: a file that cannot be used is one ``Reject`` with a one-line reason.

Parsing is that of the other side files: no entity expansion, no DTD, no network (``_PARSER_OPTS``); an
ALTO page is read with ``iterparse`` and each element is freed once read, so memory stays bounded by the
tree's depth rather than its size, and time is linear in the number of elements.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator

from lxml import etree

from ..model import LOW_CONFIDENCE, PageText
from .common import Reject
from .gallica_dc import NAAN, gallica_ark
from .gallica_reader import _PARSER_OPTS, ENTITY_REFUSAL, SOURCE, _damage, _declares_entities

# the ALTO namespaces read: BnF's profile alto_bnf-v2_0 uses v3; v2, v4 and the pre-LoC CCS one are the same
# elements for what is read here
ALTO_NAMESPACES = {
    "http://www.loc.gov/standards/alto/ns-v3#": "v3",
    "http://www.loc.gov/standards/alto/ns-v2#": "v2",
    "http://www.loc.gov/standards/alto/ns-v4#": "v4",
    "http://schema.ccs-gmbh.com/ALTO": "ccs",
}
_MAX_DATA = 1 << 27  # as gallica_enrichment._MAX_ENRICHMENT, for a direct call

_NAME = r"(?:bpt6k|btv1b|bd6t|bc6p)[0-9a-z]+"
_PAGE_ARK = re.compile(r"ark:/?" + NAAN + r"/(" + _NAME + r")/f0*(\d{1,9})(?![0-9a-z])", re.I)
_FOLDER_PAGE = re.compile(r"(?:^|[/\\])(" + _NAME + r")[/\\]f0*(\d{1,9})(?:\.[A-Za-z0-9]+)*$")
_FILE_PAGE = re.compile(r"(?:^|[/\\])(" + _NAME + r")[-_]f0*(\d{1,9})(?:\.[A-Za-z0-9]+)*$")
_NAME_IN = re.compile(r"(?:^|[/\\])(" + _NAME + r")(?:[-_.][^/\\]*)?(?=[/\\]|$)")


@dataclass(frozen=True, slots=True)
class OcrDelivery:
    """The METS manifest of an OCR delivery (BnF's SPAR package, beside its ALTO pages): what it says of the
    whole OCR, keyed by the document's ARK."""

    ark: str
    engine: str | None = None      # the OCR software of the "ocerization" event, e.g. "FineReader Engine 11 - …"
    date: str | None = None        # when the OCR was made (that event's date and time, as given)
    quality: float | None = None   # NQAMOYEN: the delivery's mean OCR quality, percent
    files: int = 0                 # ALTO files the delivery lists (fileGrp USE="ocr")
    file: str | None = None        # the file it was read from


def page_of_name(name: str) -> tuple[str, int] | None:
    """``(document ARK, page)`` from a file name: ``<ark name>/f2.xml`` (a folder named after the document)
    or ``<ark name>-f2.xml`` / ``<ark name>_f2.xml``; None otherwise."""
    m = _FOLDER_PAGE.search(name) or _FILE_PAGE.search(name)
    return (f"ark:{NAAN}/{m.group(1)}", int(m.group(2))) if m else None


def _ark_of_name(name: str) -> str | None:
    """A document's ARK named by the file or one of its folders (the nearest), e.g. ``bpt6k5628146t/mets.xml``."""
    found = _NAME_IN.findall(name)
    return f"ark:{NAAN}/{found[-1]}" if found else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class _Page:
    """What one pass over an ALTO page collects."""

    __slots__ = ("file_id", "names", "software", "accuracy", "pages", "language", "words", "wc_sum", "wc_n",
                 "wc_low", "blocks", "parts", "space", "pending", "in_block")

    def __init__(self) -> None:
        self.file_id: str | None = None
        self.names: dict[str, str] = {}           # the first processingSoftware's softwareName/Version/Creator
        self.software = 0                         # processingSoftware elements ended
        self.accuracy: float | None = None
        self.pages = 0
        self.language: str | None = None
        self.words = 0
        self.wc_sum = 0.0
        self.wc_n = 0
        self.wc_low = 0
        self.blocks: list[str] = []
        self.parts: list[str] = []                # the current block's text
        self.space = False                        # a space is due before the next word
        self.pending: str | None = None           # after a HypPart1: "subs" (SUBS_CONTENT written) or "join"
        self.in_block = False

    def word(self, el: Any) -> None:
        self.words += 1
        get = el.get
        wc = _float(get("WC"))
        if wc is not None and 0.0 <= wc <= 1.0:
            self.wc_sum += wc
            self.wc_n += 1
            if wc < LOW_CONFIDENCE:
                self.wc_low += 1
        content = get("CONTENT") or ""
        subs_type = get("SUBS_TYPE")
        pending, self.pending = self.pending, None
        if subs_type == "HypPart2" and pending is not None:
            if pending == "join":  # the first part was written as is: this one is glued to it
                self.parts.append(content)
            self.space = False
            return
        if pending is not None:  # a HypPart1 not followed by its HypPart2: the parts are words of their own
            self.space = True
        if subs_type == "HypPart1":
            subs = get("SUBS_CONTENT")
            self.pending = "subs" if subs else "join"
            content = subs or content
        if not content:
            return
        if self.space and self.parts:
            self.parts.append(" ")
        self.parts.append(content)
        self.space = False

    def hyp(self, el: Any) -> None:
        if self.pending is None:  # a hyphen the OCR did not pair with the next line's part: kept as written
            self.parts.append(el.get("CONTENT") or "-")

    def line_end(self) -> None:
        if self.pending != "join":
            self.space = True

    def block_end(self) -> None:
        if self.parts:
            text = " ".join("".join(self.parts).split())
            if text:
                self.blocks.append(text)
        self.parts = []
        self.space = False
        self.in_block = False

    def engine(self) -> str | None:
        n = self.names
        name = n.get("softwareName") or n.get("softwareCreator")
        return " ".join(x for x in (name, n.get("softwareVersion")) if x) or None


def read(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(document ARK, PageText)`` for one ALTO page, or its reject (one, with a one-line reason).

    Which page it is: from ``Description/sourceImageInformation/fileIdentifier`` (``ark:/12148/<name>/f2``:
    document ``ark:12148/<name>``, page 2), never from the file name while that identifier names a page. Only
    when the file has no usable fileIdentifier (absent, or not a Gallica page ARK) does the file name tell:
    ``<ark name>/f2.xml`` (the folder named after the document) or ``<ark name>-f2.xml`` / ``<ark name>_f2.xml``.
    Neither: rejected, "cannot tell which page".

    The text (``PageText.text``) is in reading order: the TextBlocks in document order (those inside a
    ComposedBlock too), the lines of a block joined by one space, blocks separated by a blank line ("\\n\\n");
    ``<SP/>`` is a space; a word broken at a line end (``SUBS_TYPE`` HypPart1 then HypPart2) is written once,
    as its ``SUBS_CONTENT``, where the first part was, and its ``<HYP/>`` is dropped; without ``SUBS_CONTENT``
    the two parts are joined without the hyphen. A ``<HYP/>`` that ends no such pair is kept as written.
    Characters are the source's; only whitespace is normalized.

    A page with no ``String`` at all (a blank page, a plate) is not an error: its PageText has text ``""`` and
    ``words`` 0 (and no confidences). Rejected: damaged XML (the reason gives the line), a root that is not
    ``alto`` in a known ALTO namespace (v2, v3, v4, CCS), no ``Page``, declared entities."""
    if len(data) > _MAX_DATA:
        yield Reject(name, None, None, f"larger than {_MAX_DATA >> 20} MB: not one ALTO page; file not used", SOURCE)
        return
    if b"<!ENTITY" in data[:4096]:
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    page = _Page()
    etree.clear_error_log()  # the damage is then the first error logged (see _damage)
    try:
        error = _parse(data, page)
    except etree.XMLSyntaxError as exc:
        line, what = _damage(exc)
        ark, n = _which(page, name)
        if b"<!ENTITY" in data:  # the parser stopped at an entity before the DTD could be looked at
            yield Reject(name, line, ark, ENTITY_REFUSAL, SOURCE)
            return
        at = f"ALTO page f{n}: " if n is not None else "ALTO: "
        yield Reject(name, line, ark, f"{at}{_one_line(what)}; file not used", SOURCE)
        return
    except (ValueError, TypeError, UnicodeError, MemoryError, RecursionError) as exc:  # never out of read()
        yield Reject(name, None, _which(page, name)[0], f"unexpected ALTO content: {type(exc).__name__}: {_one_line(str(exc))}",
                     SOURCE)
        return
    ark, n = _which(page, name)
    if error is not None:
        yield Reject(name, 1 if error == ENTITY_REFUSAL else None, ark, error, SOURCE)
        return
    if not page.pages:
        yield Reject(name, None, ark, "ALTO without a Page element: no layout to read; file not used", SOURCE)
        return
    if ark is None or n is None:
        yield Reject(name, None, ark, "ALTO: cannot tell which page: no fileIdentifier naming a Gallica page "
                     f"(ark:/12148/<name>/f<n>){' (it says ' + repr(page.file_id[:80]) + ')' if page.file_id else ''} "
                     "and no <ark name>/f<n>.xml or <ark name>_f<n>.xml file name; file not used", SOURCE)
        return
    mean = page.wc_sum / page.wc_n if page.wc_n else None
    low = page.wc_low / page.wc_n if page.wc_n else None
    yield ark, PageText(n, "\n\n".join(page.blocks), page.words, page.accuracy, mean, low, page.engine(),
                        page.language, name)


def _which(page: _Page, name: str) -> tuple[str | None, int | None]:
    """The document and page, in the order ``read`` documents."""
    if page.file_id:
        m = _PAGE_ARK.search(page.file_id)
        if m:
            return f"ark:{NAAN}/{m.group(1).lower()}", int(m.group(2))
    found = page_of_name(name)
    if found:
        return found
    return (gallica_ark(page.file_id) if page.file_id else None) or _ark_of_name(name), None


def _parse(data: bytes, page: _Page) -> str | None:
    """One pass over the page into ``page``; the reason a well-formed file is not ALTO, or None."""
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), remove_comments=True, remove_pis=True,
                             **_PARSER_OPTS)
    it = iter(events)
    _, root = next(it)
    tag = root.tag if isinstance(root.tag, str) else ""
    ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if _declares_entities(root):
        return ENTITY_REFUSAL
    if local != "alto":
        return f"not ALTO: the root is <{local or '?'}>{' in ' + ns if ns else ''}; file not used"
    if ns not in ALTO_NAMESPACES:
        return (f"ALTO in an unknown namespace ({ns or 'none'}): not one of ALTO v2, v3, v4 "
                "(http://www.loc.gov/standards/alto/ns-v3#, …) or CCS; file not used")
    q = "{" + ns + "}"
    STRING, SP, HYP, LINE, BLOCK = q + "String", q + "SP", q + "HYP", q + "TextLine", q + "TextBlock"
    PAGE, FILE_ID, SOFTWARE = q + "Page", q + "fileIdentifier", q + "processingSoftware"
    SOFT_PARTS = {q + "softwareName": "softwareName", q + "softwareVersion": "softwareVersion",
                  q + "softwareCreator": "softwareCreator"}
    for event, el in it:
        t = el.tag
        if event == "start":
            if t == BLOCK:
                if page.in_block:  # a TextBlock inside a TextBlock (not valid ALTO): the outer one ends here
                    page.block_end()
                page.in_block = True
                if page.language is None:
                    lang = (el.get("language") or el.get("LANG") or "").strip()
                    page.language = lang or None
            elif t == PAGE:
                page.pages += 1
                if page.pages == 1:
                    page.accuracy = _float(el.get("ACCURACY"))
            continue
        if t == STRING:
            page.word(el)
        elif t == SP:
            page.space = True
        elif t == LINE:
            page.line_end()
        elif t == HYP:
            page.hyp(el)
        elif t == BLOCK:
            page.block_end()
        elif t == FILE_ID:
            if page.file_id is None:
                page.file_id = (el.text or "").strip()[:1000]
        elif t in SOFT_PARTS:
            if page.software == 0 and el.getparent() is not None and el.getparent().tag == SOFTWARE:
                v = " ".join((el.text or "").split())[:200]
                if v:
                    page.names.setdefault(SOFT_PARTS[t], v)
        elif t == SOFTWARE:
            page.software += 1
        # free what was read: the element, and its earlier siblings (already freed but still linked)
        el.clear()
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
    page.block_end()  # Strings outside any TextBlock (not valid ALTO, but not lost)
    return None


# --- the METS manifest of an OCR delivery ------------------------------------------------------------------
_METS = "{http://www.loc.gov/METS/}"
_DC_ID = "{http://purl.org/dc/elements/1.1/}identifier"


def read_mets(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(document ARK, OcrDelivery)`` for the METS manifest of an OCR delivery, or one reject.

    The document is the ARK the METS names (a ``dc:identifier``, else a PREMIS linking object of type ``ark``,
    e.g. ``ark:/12148/bpt6k5628146t.version0.release0``; never the ``dc:relation`` catalogue record nor an
    agent), else the one the file's name or folder names (``bpt6k5628146t/mets.xml``). Neither: rejected,
    "METS of an OCR delivery: not converted"."""
    if len(data) > _MAX_DATA:
        yield Reject(name, None, None, f"larger than {_MAX_DATA >> 20} MB: not an OCR delivery's METS; file not used",
                     SOURCE)
        return
    if b"<!ENTITY" in data[:4096]:
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    try:
        etree.clear_error_log()  # see _damage
        root = etree.fromstring(data, etree.XMLParser(remove_comments=True, **_PARSER_OPTS))
    except etree.XMLSyntaxError as exc:
        line, what = _damage(exc)
        yield Reject(name, line, _ark_of_name(name), f"METS: {_one_line(what)}; file not used", SOURCE)
        return
    except (ValueError, TypeError, UnicodeError, MemoryError, RecursionError) as exc:
        yield Reject(name, None, _ark_of_name(name), f"unexpected METS content: {type(exc).__name__}: {_one_line(str(exc))}", SOURCE)
        return
    if _declares_entities(root):
        yield Reject(name, 1, None, ENTITY_REFUSAL, SOURCE)
        return
    if root.tag != _METS + "mets":
        yield Reject(name, None, _ark_of_name(name), "not a METS manifest (root is not mets:mets); file not used",
                     SOURCE)
        return
    ark = _mets_ark(root) or _ark_of_name(name)
    if not ark:
        yield Reject(name, None, None, "METS of an OCR delivery: not converted (it names no Gallica document, "
                     "nor does its file name or folder)", SOURCE)
        return
    engine, date, quality = _premis(root)
    files = sum(len(g.findall(_METS + "file")) for g in root.iter(_METS + "fileGrp") if g.get("USE") == "ocr")
    yield ark, OcrDelivery(ark, engine, date, quality, files, name)


def _local(el: Any) -> str:
    return el.tag.rpartition("}")[2] if isinstance(el.tag, str) else ""


def _child_text(el: Any, local: str) -> str | None:
    for c in el:
        if _local(c) == local:
            return " ".join((c.text or "").split()) or None
    return None


def _mets_ark(root: Any) -> str | None:
    for el in root.iter(_DC_ID):
        ark = gallica_ark(el.text)
        if ark and _document(ark):
            return ark
    for el in root.iter():
        if _local(el) == "linkingObjectIdentifier" and (_child_text(el, "linkingObjectIdentifierType") or "") == "ark":
            ark = gallica_ark(_child_text(el, "linkingObjectIdentifierValue"))
            if ark and _document(ark):
                return ark
    return None


def _document(ark: str) -> bool:
    return re.fullmatch(r"ark:\d+/" + _NAME, ark) is not None


def _premis(root: Any) -> tuple[str | None, str | None, float | None]:
    """The OCR engine and date (the "ocerization" event and its performing software agent), and NQAMOYEN."""
    agents: dict[str, str] = {}
    for el in root.iter():
        if _local(el) != "agent":
            continue
        ident = next((_child_text(c, "agentIdentifierValue") for c in el if _local(c) == "agentIdentifier"), None)
        agent_name = _child_text(el, "agentName")
        if ident and agent_name and (_child_text(el, "agentType") or "software") == "software":
            version = next((" ".join((c.text or "").split()).partition(":")[2].strip() for c in el
                            if _local(c) == "agentNote" and (c.text or "").strip().lower().startswith("version")), "")
            agents[ident] = f"{agent_name} {version}".strip()[:200]
    engine = date = None
    quality = None
    for ev in root.iter():
        if _local(ev) != "event":
            continue
        kind = _child_text(ev, "eventType")
        if kind == "ocerization" and date is None:
            date = _child_text(ev, "eventDateTime")
            for link in ev:
                if _local(link) == "linkingAgentIdentifier":
                    agent = agents.get(_child_text(link, "linkingAgentIdentifierValue") or "")
                    if agent and engine is None:
                        engine = agent
        for info in ev:
            if _local(info) == "eventOutcomeInformation" and _child_text(info, "eventOutcome") == "NQAMOYEN":
                for detail in info.iter():
                    if _local(detail) == "eventOutcomeDetailNote" and quality is None:
                        quality = _float((detail.text or "").strip().rstrip("%").strip().replace(",", "."))
    return engine, date, quality
