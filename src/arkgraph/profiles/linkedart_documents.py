"""Linked Art for library documents (rec.kind == "document"), called from linkedart.triples.

Pattern (Linked Art model/document): the physical item held by the library (HumanMadeObject)
``carries`` a LinguisticObject (texts, scores) or ``shows`` a VisualItem (maps, images). That work has
its own document at ``<record>/la/content``: ``created_by`` a Creation with one part per contributor
and role, ``used_for`` Publishing activities, ``language``, ``about`` subjects. Page views are
``representation``s digitally shown by IIIF images; the IIIF manifest and the Gallica page are
``subject_of`` (emitted by linkedart._digital).
"""

from __future__ import annotations

from functools import lru_cache

from .. import authorities
from ..model import Record
from ..terms import AAT, CRM, LA, LABEL, A, I, L, Triple
from . import ocr
from .linkedart_build import (C, CONFORMS, DIGITAL_OBJECT, FORMAT, LAX, aat, aat_type, agent, concept, language_block,
                              language_term, name, place, shared, statement, timespan, type_ref, type_triples)

VISUAL_TYPES = {"Map", "Photograph", "VisualArtwork", "ImageObject"}
TOC_AAT = "300195002"  # tables of contents
_ALTO = "http://www.loc.gov/standards/alto/"
_CONFORMS_LABELS = {"http://iiif.io/api/presentation/2/": "IIIF Presentation API 2",
                    "http://iiif.io/api/image": "IIIF Image API", _ALTO: "ALTO (Analyzed Layout and Text Object)"}


def is_visual(rec: Record) -> bool:
    """A map, photograph or image shows a VisualItem; any other document carries a text."""
    return not VISUAL_TYPES.isdisjoint(rec.schema_types)


# record-independent terms and triples, built once
_FR_TRIPLES = type_triples(aat("french"), authorities.label(aat("french")), None, "E56_Language")
_LINGUISTIC = C["E33_Linguistic_Object"]
_VISUAL = C["E36_Visual_Item"]
_TOC_TYPE = AAT + TOC_AAT
_INFO_OBJECT = I(CRM + "E73_Information_Object")
_P72 = C["P72_has_language"]
_P65, _P128, _P129 = C["P65_shows_visual_item"], C["P128_carries"], C["P129_is_about"]
_P94I, _E65, _P9, _P14 = C["P94i_was_created_by"], C["E65_Creation"], C["P9_consists_of"], C["P14_carried_out_by"]
_P16I, _E7, _P7 = C["P16i_was_used_for"], C["E7_Activity"], C["P7_took_place_at"]
_P106I, _EQUIVALENT, _MEMBER_OF, _SET = C["P106i_forms_part_of"], LAX["equivalent"], LAX["member_of"], LAX["Set"]
_CARRIES, _SHOWS = I(LA + "digitally_carries"), I(LA + "digitally_shows")
_P107I = I(CRM + "P107i_is_current_or_former_member_of")

_LITERALS: dict[str, str] = {}


def _literal(text: str) -> str:
    """L(text), for texts that recur (publisher statements, the parent periodical's labels). Bounded."""
    lit = _LITERALS.get(text)
    if lit is None:
        if len(_LITERALS) >= 16384:
            _LITERALS.clear()
        lit = _LITERALS[text] = L(text)
    return lit


@lru_cache(maxsize=64)
def _conforms_block(target: str) -> tuple[Triple, ...]:
    t = I(target)
    return ((t, A, _INFO_OBJECT), (t, LABEL, L(_CONFORMS_LABELS.get(target, target))))


def document(rec: Record, out: list[Triple]) -> None:
    rec_iri = rec.iri
    w = f"<{rec_iri}>"
    cbase = f"{rec_iri}/la/content"
    c = f"<{cbase}>"
    title = L(rec.title)
    visual = is_visual(rec)
    append = out.append
    if visual:
        out += [(w, _P65, c), (c, A, _VISUAL)]
    else:
        out += [(w, _P128, c), (c, A, _LINGUISTIC)]
    append((c, LABEL, title))
    # French statements point at the AAT French language: describe it even when no title is French
    out += _FR_TRIPLES
    for n, (text, lang, kind) in enumerate(rec.titles, 1):  # the first is rec.title: its literal is made
        name(c, f"{cbase}/name{n}", title if n == 1 else L(text), out,
             "primary_name" if kind == "primary" else "alternate_name", lang)
    if not visual:
        for lc in rec.languages:  # the same IRI as the languages of names (linkedart.language_term)
            append((c, _P72, I(shared(lc, language_term)[0])))
    for subject in rec.subjects:
        concept(c, subject, out, pred=_P129)

    # creation, one part per contributor and role
    if rec.contributions:
        cr = f"<{cbase}/creation>"
        out += [(c, _P94I, cr), (cr, A, _E65)]
        for n, contrib in enumerate(rec.contributions, 1):
            part = f"<{cbase}/creation/part{n}>"
            out += [(cr, _P9, part), (part, A, _E65)]
            concept(part, contrib.role, out)
            append((part, _P14, agent(contrib.agent, out)))

    # publishing activities
    pubs = rec.publications or ([rec.publication] if rec.publication else [])
    if pubs:
        for n, pub in enumerate(pubs, 1):
            act_iri = f"{cbase}/publication{n}"
            act = f"<{act_iri}>"
            out += [(c, _P16I, act), (act, A, _E7)]
            if pub.label:
                append((act, LABEL, _literal(pub.label)))
            aat_type(act, "publishing", out)
            if pub.publisher:
                append((act, _P14, agent(pub.publisher, out)))
            if pub.place:
                append((act, _P7, place(pub.place, out)))
            if pub.timespan:
                timespan(act, f"{act_iri}/timespan", pub.timespan, out)

    # relations: data.bnf.fr's publication (…#about) is the same published text or image (la:equivalent:
    # the same entity; data.bnf.fr's own label, none of ours); a periodical issue is part of the periodical;
    # an "ensemble documentaire" is a Set the item is a member of
    kind = _VISUAL if visual else _LINGUISTIC
    m = 0
    for link in rec.links:
        liri = link.iri
        if liri and link.kind == "catalogue" and "data.bnf.fr" in liri:
            e = f"<{liri}>"  # the BnF's own IRI: no label of ours (the BnF says what its work is called)
            out += [(c, _EQUIVALENT, e), (e, A, kind)]
        elif liri and link.kind == "collection":
            s = f"<{liri}>"
            out += [(w, _MEMBER_OF, s), (s, A, _SET)]
            if link.label:
                append((s, LABEL, _literal(link.label)))
        elif liri and link.kind == "part_of":
            parent = f"<{liri}/la/content>"
            out += [(c, _P106I, parent), (parent, A, _LINGUISTIC),
                    (parent, LABEL, _literal(link.label or "Périodique"))]
            s = f"<{liri}/set>"
            out += [(w, _MEMBER_OF, s), (s, A, _SET),
                    (s, LABEL, _literal(f"Fascicules : {link.label or 'périodique'}"))]
        else:
            m += 1
            label = link.label
            # an ensemble's label is the source's relation text (with the catalogue URL it gives)
            text = label if link.kind == "ensemble" else f"{label} : {liri}" if label and liri else label or liri
            statement(w, f"{rec_iri}/la/relation{m}", "note", text or "", None, out, "Relation")

    # parts: page views, table of contents, issues
    if rec.parts:
        _parts(rec, w, c, cbase, out)
    if rec.texts or rec.ocr_quality is not None:
        _texts(rec, w, c, visual, out)

    for d in rec.digital:
        if d.conforms_to:
            out += _conforms_block(d.conforms_to)  # what it conforms to (linkedart._digital gives the link)
        if d.kind == "document":
            # BnF's digital document carries the text (shows the image): la:digitally_carries /
            # digitally_shows, the Linked Art API's side of digitally_carried_by / digitally_shown_by (a
            # text or visual item record takes neither). It is the access point of Gallica's web page (the
            # same URL), so it is reached from the item. linkedart._digital gives its type, label and format.
            append((f"<{d.iri}>", _SHOWS if visual else _CARRIES, c))
            # the view count (d.extent) is the document's, not the item's: the Linked Art API embeds a
            # statement only in its own record's document, and BnF's document is not ours to mint
            # structures under, so it is said in schema.org only (the document's description)

    # a department of an institution (the BnF's "département Cartes et plans") is a member of it: a Group's
    # member_of (crm:P107i_is_current_or_former_member_of in the Linked Art context)
    keeper, owner = rec.keeper, rec.owner
    if keeper is not None and owner is not None and keeper.iri != owner.iri and keeper.name.startswith(owner.name):
        append((f"<{keeper.iri}>", _P107I, f"<{owner.iri}>"))


def _texts(rec: Record, w: str, c: str, visual: bool, out: list[Triple]) -> None:
    """Each page's OCR text (issue #19): a LinguisticObject, part of the document's text (for a map or image,
    carried by the item), in its language, with its content (--text inline), its ALTO and
    its plain text (which digitally carry it), and the engine's statistics as a statement (a note: Linked Art has no dimension for a
    confidence); the document's OCR quality as a statement of the item."""
    rec_iri = rec.iri
    languages = tuple(rec.languages)
    for t in rec.texts:
        base = f"{rec_iri}/la/page{t.page}"
        txt = I(f"{base}/text")
        out += [(txt, A, _LINGUISTIC), (txt, LABEL, L(f"Texte OCR de la vue {t.page}"))]
        out.append((w, _P128, txt) if visual else (txt, _P106I, c))
        if t.language:
            lang, block = language_block(t.language, languages)
            out.append((txt, _P72, lang))
            out += block
        if t.text is not None:
            out.append((txt, C["P190_has_symbolic_content"], L(t.text)))
        for kind, url, fmt, label in (("alto", t.alto_url, ocr.ALTO_FORMAT, "ALTO"),
                                      ("plain", t.text_url, ocr.TEXT_FORMAT, "Texte brut")):
            if url:
                do, ap = I(f"{base}/{kind}"), I(url)
                # the file's side (la:digitally_carries), as for BnF's document: a text record takes no
                # digitally_carried_by in the Linked Art API
                out += [(do, _CARRIES, txt), (do, A, DIGITAL_OBJECT),
                        (do, LABEL, L(f"{label} de la vue {t.page}")), (do, LAX["access_point"], ap),
                        (ap, A, DIGITAL_OBJECT), (do, FORMAT, L(fmt))]
                if kind == "alto":
                    out.append((do, CONFORMS, I(_ALTO)))
                    out += _conforms_block(_ALTO)
        statement(txt, f"{base}/text/ocr", "note", ocr.summary(t), "fr", out, "Qualité de l'OCR")
    quality = ocr.document_quality(rec)
    if quality is not None:
        statement(w, f"{rec_iri}/la/ocr", "note", quality[2], "fr", out, "Qualité de l'OCR")


def _parts(rec: Record, w: str, c: str, cbase: str, out: list[Triple]) -> None:
    toc = 0
    has_set = False
    rec_iri = rec.iri
    has_representation, visual_item = C["P138i_has_representation"], C["E36_Visual_Item"]
    shown_by, access_point = LAX["digitally_shown_by"], LAX["access_point"]
    digital_object, fmt = DIGITAL_OBJECT, FORMAT
    for part in rec.parts:
        pkind = part.kind
        if pkind == "page" and part.image:
            image = part.image
            vi = I(f"{rec_iri}/la/view{part.order}")
            do = I(part.iri)
            out += [(w, has_representation, vi), (vi, A, visual_item),
                    (vi, LABEL, L(part.label or f"Vue {part.order}")), (vi, shown_by, do),
                    (do, A, digital_object), (do, LABEL, L(image.label or part.label or ""))]
            aat_type(do, "digital_image", out)
            if image.access_point:
                ap = I(image.access_point)
                out += [(do, access_point, ap), (ap, A, digital_object)]
            if part.target:
                ap = I(part.target)
                out += [(do, access_point, ap), (ap, A, digital_object)]
            out.append((do, fmt, L(image.format or "image/jpeg")))
            if image.conforms_to:
                out.append((do, CONFORMS, I(image.conforms_to)))
                out += _conforms_block(image.conforms_to)
        elif pkind == "toc":
            toc += 1
            text = part.label or ""
            if part.ref:
                text += f" — p. {part.ref}"
            node = I(f"{cbase}/toc{toc}")
            out += [(c, C["P67i_is_referred_to_by"], node), (node, A, _LINGUISTIC),
                    (node, C["P190_has_symbolic_content"], L(text))]
            type_ref(node, _TOC_TYPE, authorities.label(_TOC_TYPE), out, meta="brief_text")
        elif pkind in ("issue", "year") and not has_set:
            # the periodical's set of issues. Membership is stated by each issue's own record
            # (member_of): Linked Art's JSON has no property for it on the set's side, and this
            # record's JSON-LD must say what its N-Quads say (issue #16, principle 7)
            has_set = True
            s = I(f"{rec_iri}/set")
            out += [(s, A, LAX["Set"]), (s, LABEL, L(f"Fascicules : {rec.title}"))]

