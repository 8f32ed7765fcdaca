"""Linked Art for library documents (rec.kind == "document"), called from linkedart.triples.

Pattern (Linked Art model/document): the physical item held by the library (HumanMadeObject)
``carries`` a LinguisticObject (texts, scores) or ``shows`` a VisualItem (maps, images). That work has
its own document at ``<record>/la/content``: ``created_by`` a Creation with one part per contributor
and role, ``used_for`` Publishing activities, ``language``, ``about`` subjects. Page views are
``representation``s digitally shown by IIIF images; the IIIF manifest and the Gallica page are
``subject_of`` (emitted by linkedart._digital).
"""

from __future__ import annotations

from ..model import Record
from ..terms import AAT, CRM, LABEL, A, I, L, Triple
from . import linkedart as la

VISUAL_TYPES = {"Map", "Photograph", "VisualArtwork", "ImageObject"}
TOC_AAT = "300195002"  # tables of contents
_CONFORMS_LABELS = {"http://iiif.io/api/presentation/2/": "IIIF Presentation API 2",
                    "http://iiif.io/api/image": "IIIF Image API"}


def is_visual(rec: Record) -> bool:
    return bool(set(rec.schema_types) & VISUAL_TYPES)


def content_iri(rec_iri: str) -> str:
    return f"{rec_iri}/la/content"


def document(rec: Record, out: list[Triple]) -> None:
    C, LAX = la.C, la.LAX
    w = I(rec.iri)
    cbase = content_iri(rec.iri)
    c = I(cbase)
    visual = is_visual(rec)
    if visual:
        out += [(w, C["P65_shows_visual_item"], c), (c, A, C["E36_Visual_Item"])]
    else:
        out += [(w, C["P128_carries"], c), (c, A, C["E33_Linguistic_Object"])]
    out.append((c, LABEL, L(rec.title)))
    # French statements point at the AAT French language: describe it even when no title is French
    fr = I(la.aat("french"))
    out += [(fr, A, C["E56_Language"]), (fr, LABEL, L("French"))]
    for n, (text, lang, kind) in enumerate(rec.titles, 1):
        la._name(c, f"{cbase}/name{n}", text, out, "primary_name" if kind == "primary" else "alternate_name",
                 lang)
    if not visual:
        for lc in rec.languages:
            out.append((c, C["P72_has_language"], I(lc.iri)))
    for s in rec.subjects:
        out.append((c, C["P129_is_about"], I(s.iri)))
        la._describe_type(s.iri, s.label, out)

    # creation, one part per contributor and role
    if rec.contributions:
        cr = I(f"{cbase}/creation")
        out += [(c, C["P94i_was_created_by"], cr), (cr, A, C["E65_Creation"])]
        for n, contrib in enumerate(rec.contributions, 1):
            part = I(f"{cbase}/creation/part{n}")
            out += [(cr, C["P9_consists_of"], part), (part, A, C["E65_Creation"])]
            la._type(part, contrib.role.iri, contrib.role.label, out)
            out.append((part, C["P14_carried_out_by"], la._agent(contrib.agent, out)))

    # publishing activities
    for n, pub in enumerate(rec.publications or ([rec.publication] if rec.publication else []), 1):
        act = I(f"{cbase}/publication{n}")
        out += [(c, C["P16i_was_used_for"], act), (act, A, C["E7_Activity"])]
        if pub.label:
            out.append((act, LABEL, L(pub.label)))
        la._aat_type(act, "publishing", out)
        if pub.publisher:
            out.append((act, C["P14_carried_out_by"], la._agent(pub.publisher, out)))
        if pub.place:
            out.append((act, C["P7_took_place_at"], la._place(pub.place, out)))
        if pub.timespan:
            la._timespan(act, f"{cbase}/publication{n}/timespan", pub.timespan, out)

    # relations: data.bnf.fr is the same work; a periodical issue is part of the periodical
    kind = "E36_Visual_Item" if visual else "E33_Linguistic_Object"
    m = 0
    for link in rec.links:
        if link.iri and link.kind == "catalogue" and "data.bnf.fr" in link.iri:
            e = I(link.iri)
            out += [(c, LAX["equivalent"], e), (e, A, C[kind]), (e, LABEL, L(rec.title))]
        elif link.iri and link.kind == "part_of":
            parent = I(content_iri(link.iri))
            out += [(c, C["P106i_forms_part_of"], parent), (parent, A, C["E33_Linguistic_Object"]),
                    (parent, LABEL, L(link.label or "Périodique"))]
            s = I(f"{link.iri}/set")
            out += [(w, LAX["member_of"], s), (s, A, LAX["Set"]), (s, LABEL, L(f"Fascicules : {link.label or 'périodique'}"))]
        else:
            m += 1
            text = f"{link.label} : {link.iri}" if link.label and link.iri else (link.label or link.iri or "")
            la._statement(w, f"{rec.iri}/la/relation{m}", "note", text, None, out, "Relation")

    # parts: page views, table of contents, issues
    toc = 0
    for part in rec.parts:
        if part.kind == "page" and part.image:
            vi = I(f"{rec.iri}/la/view{part.order}")
            do = I(part.iri)
            out += [(w, C["P138i_has_representation"], vi), (vi, A, C["E36_Visual_Item"]),
                    (vi, LABEL, L(part.label or f"Vue {part.order}")), (vi, LAX["digitally_shown_by"], do),
                    (do, A, la.DIGITAL_OBJECT), (do, LABEL, L(part.image.label or part.label or ""))]
            la._aat_type(do, "digital_image", out)
            if part.image.access_point:
                ap = I(part.image.access_point)
                out += [(do, LAX["access_point"], ap), (ap, A, la.DIGITAL_OBJECT)]
            if part.target:
                ap = I(part.target)
                out += [(do, LAX["access_point"], ap), (ap, A, la.DIGITAL_OBJECT)]
            out.append((do, la.FORMAT, L(part.image.format or "image/jpeg")))
            if part.image.conforms_to:
                _conforms(do, part.image.conforms_to, out)
        elif part.kind == "toc":
            toc += 1
            text = part.label or ""
            if part.ref:
                text += f" — p. {part.ref}"
            node = I(f"{cbase}/toc{toc}")
            out += [(c, C["P67i_is_referred_to_by"], node), (node, A, C["E33_Linguistic_Object"]),
                    (node, C["P190_has_symbolic_content"], L(text))]
            la._type(node, AAT + TOC_AAT, "Table of Contents", out, meta="brief_text")
        elif part.kind in ("issue", "year"):
            # the periodical record lists its issues: membership of the periodical's set (RDF only;
            # each issue's own record says the same from its side)
            s = I(f"{rec.iri}/set")
            out += [(s, A, LAX["Set"]), (s, LABEL, L(f"Fascicules : {rec.title}")),
                    (I(part.iri), LAX["member_of"], s)]

    for d in rec.digital:
        if d.conforms_to:
            _conforms(I(d.iri), d.conforms_to, out, add_link=False)


def _conforms(do: str, target: str, out: list[Triple], add_link: bool = True) -> None:
    t = I(target)
    if add_link:
        out.append((do, la.CONFORMS, t))
    out += [(t, A, I(CRM + "E73_Information_Object")), (t, LABEL, L(_CONFORMS_LABELS.get(target, target)))]
