"""Schema.org for library documents (rec.kind == "document"), called from schemaorg.triples.

What the shared emitter does not cover: further imprints (Gallica repeats dc:publisher), a periodical's
run (startDate/endDate), typed parts (issues, pages, ToC entries with their page), relations (each by the
property whose definition fits), BnF's digital document and the department a holding belongs to.
"""

from __future__ import annotations

import re

from ..ark import try_parse as ark_of
from ..model import Record
from ..terms import SCHEMA, A, I, L, Triple
from . import ocr
from .schemaorg_build import S, agent, date_literal, place

PART_TYPES = {"issue": "PublicationIssue", "year": "PublicationVolume", "page": "CreativeWork", "toc": "Chapter"}
# Link kinds → schema.org property (definitions from schema.org 30.0):
#   part_of, collection, ensemble → isPartOf ("Indicates an item or CreativeWork that this item, or CreativeWork
#     (in some sense), is part of"): the periodical of an issue, an "ensemble documentaire", a multi-volume whole;
#   reproduction → workExample ("Example/instance/realization/derivation of the concept of this creative work"):
#     "A pour reproduction", a reproduction of this document;
#   catalogue → mainEntityOfPage ("a page (or other CreativeWork) for which this thing is the main entity being
#     described"): the catalogue record page that describes it (Gallica's record is drawn from it); the
#     data.bnf.fr publication (…#about) is exampleOfWork (below): the item described is one example of it.
# A relation whose meaning the source does not state ("related") stays its text, a description: no
# property is claimed for it (never `mentions`).
_LINK_PROPS = {kind: I(SCHEMA + prop) for kind, prop in (
    ("part_of", "isPartOf"), ("collection", "isPartOf"), ("ensemble", "isPartOf"),
    ("reproduction", "workExample"), ("catalogue", "mainEntityOfPage"))}
_RUN_YEAR = re.compile(r"\d{4}")
_EXTRA = {k: I(SCHEMA + k) for k in ("exampleOfWork", "startDate", "endDate", "parentOrganization", "encoding",
                                     "MediaObject", "text")}


def document(rec: Record, out: list[Triple]) -> None:
    w = I(rec.iri)
    for pub in rec.publications[1:]:
        if pub.publisher:
            out.append((w, S["publisher"], agent(pub.publisher, out)))
        if pub.place:
            out.append((w, S["locationCreated"], place(pub.place, out)))
    pub = rec.publication
    if pub and pub.timespan and rec.ark.endswith("/date") and not _non_gregorian(rec):
        _run(w, pub.timespan.label or "", out)

    publication = None
    for link in rec.links:
        liri = link.iri
        if liri is None:
            if link.label:
                out.append((w, S["description"], L(link.label)))
            continue
        if link.kind == "catalogue" and "data.bnf.fr" in liri:
            publication = I(liri)  # BnF's IRI: nothing of ours is said of it (no label, no type)
            out.append((w, _EXTRA["exampleOfWork"], publication))
            continue
        prop = _LINK_PROPS.get(link.kind)
        if prop is not None:
            out.append((w, prop, I(liri)))
        else:
            out.append((w, S["description"], L(f"{link.label} : {liri}" if link.label else liri)))

    for d in rec.digital:
        if d.kind == "document":
            # BnF's digital document (the IRI data.bnf.fr gives Gallica reproductions): based on the item, an
            # example of the publication; its format and view count are its own. Not typed MediaObject: the
            # same IRI is the item's `url`, whose range is URL (encodingFormat's domain includes CreativeWork)
            doc = I(d.iri)
            out.append((doc, S["isBasedOn"], w))
            if d.label:
                out.append((doc, S["name"], L(d.label)))  # the title inside may be in any language
            if d.format:
                out.append((doc, S["encodingFormat"], L(d.format)))
            if d.extent:
                out.append((doc, S["description"], L(d.extent, "fr")))
            if publication is not None:
                out.append((doc, _EXTRA["exampleOfWork"], publication))

    keeper, owner = rec.keeper, rec.owner
    if keeper is not None and owner is not None and keeper.iri != owner.iri and keeper.name.startswith(owner.name):
        out.append((I(keeper.iri), _EXTRA["parentOrganization"], I(owner.iri)))

    if rec.texts or rec.ocr_quality is not None:
        _texts(rec, w, out)

    for part in rec.parts:
        p = I(part.iri)
        t = PART_TYPES.get(part.kind)
        if t and t != "CreativeWork":
            out.append((p, A, I(SCHEMA + t)))
        if part.target:
            out.append((p, S["url"], I(part.target)))
        if part.kind == "toc" and part.ref:
            out.append((p, I(SCHEMA + "pagination"), L(part.ref)))
        if part.kind in ("issue", "year"):
            out.append((p, S["isPartOf"], w))
        if part.kind == "issue":
            # an issue is a record of its own (its ARK, a French date label from the Issues service)
            issue_ark = ark_of(part.iri)
            if issue_ark:
                pv = I(f"{rec.iri}/sdo/issue/{issue_ark.name}")
                out += [(p, S["identifier"], pv), (pv, A, S["PropertyValue"]), (pv, S["propertyID"], L("ark")),
                        (pv, S["value"], L(str(issue_ark))), (pv, S["name"], L("ARK"))]
            if part.label:
                out.append((p, S["name"], L(part.label, "fr")))


def _texts(rec: Record, w: str, out: list[Triple]) -> None:
    """Each page's OCR text (issue #19): a CreativeWork part of the page ``<record>/f<n>``, with its language, its
    text (--text inline), its ALTO and plain text as MediaObjects that encode it, and the engine's statistics
    (a description, and ag: numbers); the document's OCR quality and its number of pages with text."""
    for t in rec.texts:
        page = I(f"{rec.iri}/f{t.page}")
        txt = I(f"{rec.iri}/f{t.page}/text")
        out += [(page, S["hasPart"], txt), (txt, A, S["CreativeWork"]),
                (txt, S["name"], L(f"Texte OCR de la vue {t.page}", "fr"))]
        if t.language:
            out.append((txt, S["inLanguage"], L(t.language)))
        if t.text is not None:
            out.append((txt, _EXTRA["text"], L(t.text, t.language)))
        for url, fmt in ((t.alto_url, ocr.ALTO_FORMAT), (t.text_url, ocr.TEXT_FORMAT)):
            if url:
                m = I(url)
                out += [(txt, _EXTRA["encoding"], m), (m, A, _EXTRA["MediaObject"]), (m, S["contentUrl"], m),
                        (m, S["encodingFormat"], L(fmt))]
        out.append((txt, S["description"], L(ocr.summary(t), "fr")))
        ocr.page_values(txt, t, out)
    quality = ocr.document_quality(rec)
    if quality is not None:
        out.append((w, S["description"], L(quality[2], "fr")))
    ocr.document_values(w, rec, out)


def _non_gregorian(rec: Record) -> bool:
    return any(f.startswith("non-gregorian-date") for f in rec.flags)


def _run(w: str, label: str, out: list[Triple]) -> None:
    """A periodical's run from its dc:date ("1879-1885", "1907", "1913-????", "1860-186."): startDate and
    endDate, each only where the source gives that year exactly."""
    start, sep, end = label.partition("-")
    start, end = start.strip(), end.strip()
    if _RUN_YEAR.fullmatch(start):
        out.append((w, _EXTRA["startDate"], date_literal(start)))
    if not sep:
        end = start  # one year: the run began and ended in it
    if _RUN_YEAR.fullmatch(end):
        out.append((w, _EXTRA["endDate"], date_literal(end)))
