"""Record → CIDOC-CRM triples in the Linked Art 1.0 patterns.

Structural nodes (names, identifiers, production, dimensions, statements…) live under
``<record>/la/…``; those are embedded in the record's JSON-LD. Everything else (persons,
places, groups, concepts, the shown VisualItem) is a reference to a resource of its own.
The builders of each node are in linkedart_build; a library document's content in linkedart_documents.
"""

from __future__ import annotations

from ..model import Concept, DigitalObject, Record
from ..terms import A, I, L, LABEL, Triple, dbl
from . import linkedart_documents
from .linkedart_build import (C, CONFORMS, DIGITAL_OBJECT, FORMAT, LAX, aat_type, agent, concept, language_term,
                              name, place, shared, statement, timespan, type_ref, type_triples)

LICENSE_LABELS = {"https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
                  "https://creativecommons.org/publicdomain/mark/1.0/": "Public Domain Mark 1.0",
                  "http://rightsstatements.org/vocab/InC/1.0/": "In Copyright",
                  "http://rightsstatements.org/vocab/NoC-NC/1.0/": "No Copyright - Non-Commercial Use Only"}
IDENT_KIND = {"ark": "system", "accession": "accession", "system": "system", "uuid": "system", "call": "call",
              "isbn": "isbn", "issn": "issn", "other": "local"}


def _digital(w: str, base: str, d: DigitalObject, out: list[Triple]) -> None:
    do = I(d.iri)
    out.append((do, A, DIGITAL_OBJECT))
    if d.label:
        out.append((do, LABEL, L(d.label)))
    if d.access_point:
        ap = I(d.access_point)
        out += [(do, LAX["access_point"], ap), (ap, A, DIGITAL_OBJECT)]
    if d.format:
        out.append((do, FORMAT, L(d.format)))
    if d.conforms_to:
        out.append((do, CONFORMS, I(d.conforms_to)))
    if d.kind == "image":
        vi = I(f"{base}/representation{d.iri.rsplit('/image', 1)[-1]}")
        out += [(w, C["P138i_has_representation"], vi), (vi, A, C["E36_Visual_Item"]),
                (vi, LAX["digitally_shown_by"], do)]
        aat_type(do, "digital_image", out)
        if d.license:
            # embedded digital objects take no subject_to in the Linked Art API: the licence classifies the file
            type_ref(do, d.license, LICENSE_LABELS.get(d.license), out)
        if d.credit:
            statement(vi, f"{base}/representation{d.iri.rsplit('/image', 1)[-1]}/credit", "credit", d.credit, None, out)
    elif d.kind in ("webpage", "manifest", "thumbnail"):
        lo = I(f"{d.iri}/la/text")
        out += [(w, C["P129i_is_subject_of"], lo), (lo, A, C["E33_Linguistic_Object"]),
                (lo, LAX["digitally_carried_by"], do)]
        if d.kind == "webpage":
            aat_type(do, "web_page", out)


def triples(rec: Record) -> list[Triple]:
    out: list[Triple] = []
    w = I(rec.iri)
    base = rec.iri + "/la"
    label = rec.title
    out += [(w, A, C["E22_Human-Made_Object"]), (w, LABEL, L(label))]
    if rec.kind == "object":
        aat_type(w, "artwork", out)
    for c in rec.classifications + rec.genres:
        concept(w, c, out, meta="type_of_work")
    for n, (text, lang, kind) in enumerate(rec.titles, 1):
        name(w, f"{base}/name{n}", L(text), out, "primary_name" if kind == "primary" else "alternate_name", lang,
             tuple(rec.languages))
    for n, ident in enumerate(rec.identifiers, 1):
        if ident.kind == "url":  # another web page about the object (equivalent is for same-class resources)
            _digital(w, base, DigitalObject(f"{rec.iri}/page{n}", "webpage", ident.value, "text/html", label=ident.label), out)
            continue
        node = I(f"{base}/identifier{n}")
        out += [(w, C["P1_is_identified_by"], node), (node, A, C["E42_Identifier"]),
                (node, C["P190_has_symbolic_content"], L(ident.value))]
        aat_type(node, IDENT_KIND.get(ident.kind, "local"), out)
        if ident.label:
            out.append((node, LABEL, L(ident.label)))

    # production (or creation of the carried text, for documents)
    if rec.kind != "document" and (rec.contributions or rec.production_time or rec.production_places
                                   or rec.materials or rec.periods):  # documents: linkedart_documents
        prod = I(f"{base}/production")
        out += [(w, C["P108i_was_produced_by"], prod), (prod, A, C["E12_Production"])]
        if rec.production_time:
            timespan(prod, f"{base}/production/timespan", rec.production_time, out)
        for p in rec.production_places:
            out.append((prod, C["P7_took_place_at"], place(p, out)))
        for c in rec.materials:
            if (c.code or "") == "technique" or _is_technique(c):
                out.append((prod, C["P32_used_general_technique"], concept(prod, c, out)))
        for c in rec.periods:
            concept(prod, c, out, klass="E4_Period", pred=C["P10_falls_within"])
        for n, contrib in enumerate(rec.contributions, 1):
            part = I(f"{base}/production/part{n}")
            out += [(prod, C["P9_consists_of"], part), (part, A, C["E12_Production"])]
            concept(part, contrib.role, out)
            if "unknown" in contrib.agent.flags:
                out.append((part, LABEL, L(f"{contrib.role.label} : {contrib.agent.name}")))
            out.append((part, C["P14_carried_out_by"], agent(contrib.agent, out)))
    for c in rec.materials:
        if not _is_technique(c):
            concept(w, c, out, klass="E57_Material")
    if rec.materials:
        statement(w, f"{base}/materials", "materials", ", ".join(c.label for c in rec.materials), "fr", out)

    for n, d in enumerate(rec.dimensions, 1):
        node = I(f"{base}/dimension{n}")
        out += [(w, C["P43_has_dimension"], node), (node, A, C["E54_Dimension"]),
                (node, C["P90_has_value"], dbl(d.value))]
        concept(node, d.kind, out)
        concept(node, d.unit, out, klass="E58_Measurement_Unit", pred=C["P91_has_unit"])
        if d.part:
            name(node, f"{base}/dimension{n}/name", L(f"{d.part} : {d.kind.label}"), out, "display_name", lang="fr")

    for n, st in enumerate(rec.statements, 1):
        statement(w, f"{base}/statement{n}", st.kind, st.text, st.lang, out, st.label)

    # what the object shows: a VisualItem of its own
    if rec.kind != "document" and (rec.subjects or rec.depicted_places or rec.depicted_agents or rec.styles):
        vi = I(rec.iri + "/visual")
        out += [(w, C["P65_shows_visual_item"], vi), (vi, A, C["E36_Visual_Item"]),
                (vi, LABEL, L(f"Contenu visuel de « {label} »"))]
        for c in rec.subjects:
            concept(vi, c, out, pred=C["P129_is_about"])
        for p in rec.depicted_places:
            out.append((vi, C["P138_represents"], place(p, out)))
        for a in rec.depicted_agents:
            out.append((vi, C["P138_represents"], agent(a, out)))
        for c in rec.styles:
            concept(vi, c, out, meta="style")

    if rec.keeper:
        out.append((w, C["P50_has_current_keeper"], agent(rec.keeper, out)))
    if rec.owner:
        out.append((w, C["P52_has_current_owner"], agent(rec.owner, out)))
    if rec.acquisition:
        acq = rec.acquisition
        node = I(f"{base}/acquisition")
        out += [(w, C["P24i_changed_ownership_through"], node), (node, A, C["E8_Acquisition"]),
                (node, LABEL, L(acq.mode.label)), (node, C["P24_transferred_title_of"], w)]
        concept(node, acq.mode, out)
        for donor in acq.donors:
            out.append((node, C["P23_transferred_title_from"], agent(donor, out)))
        if rec.owner:
            out.append((node, C["P22_transferred_title_to"], I(rec.owner.iri)))
        if acq.timespan:
            timespan(node, f"{base}/acquisition/timespan", acq.timespan, out)
    if rec.kind != "document":  # documents: linkedart_documents
        for link in rec.links:
            if link.kind == "collection" and link.iri:  # "Chine (Domaine)": the department's collection
                st = I(link.iri)
                out += [(w, LAX["member_of"], st), (st, A, LAX["Set"])]
                if link.label:
                    out.append((st, LABEL, L(link.label)))
    for c in rec.languages:
        out.extend(type_triples(*shared(c, language_term), None, "E56_Language"))
    for r in rec.rights:
        statement(w, f"{base}/rights", "rights", r.label, None, out)
    for dobj in rec.digital:
        _digital(w, base, dobj, out)
    if rec.kind == "document":
        linkedart_documents.document(rec, out)
    return out


def _is_technique(c: Concept) -> bool:
    return c.code == "technique"
