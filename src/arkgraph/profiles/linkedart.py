"""Record → CIDOC-CRM triples in the Linked Art 1.0 patterns.

Structural nodes (names, identifiers, production, dimensions, statements…) live under
``<record>/la/…``; those are embedded in the record's JSON-LD. Everything else (persons,
places, groups, concepts, the shown VisualItem) is a reference to a resource of its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, TypeVar

from .. import authorities
from ..model import Agent, Concept, DigitalObject, Place, Record, TimeSpan
from ..terms import AAT, AG, CRM, DC, DCTERMS, DIG, LA, SKOS, A, I, L, LABEL, Triple, dbl, dt

C = {k: I(CRM + k) for k in (
    "E22_Human-Made_Object E33_E41_Linguistic_Appellation E42_Identifier E55_Type E57_Material E58_Measurement_Unit "
    "E54_Dimension E12_Production E52_Time-Span E21_Person E74_Group E53_Place E36_Visual_Item E33_Linguistic_Object "
    "E8_Acquisition E56_Language E4_Period E65_Creation E7_Activity E67_Birth E69_Death "
    "P1_is_identified_by P2_has_type P190_has_symbolic_content P72_has_language P108i_was_produced_by P4_has_time-span "
    "P82a_begin_of_the_begin P82b_end_of_the_end P7_took_place_at P9_consists_of P14_carried_out_by "
    "P32_used_general_technique P43_has_dimension P90_has_value P91_has_unit P45_consists_of P65_shows_visual_item "
    "P129_is_about P138_represents P50_has_current_keeper P52_has_current_owner P24i_changed_ownership_through "
    "P24_transferred_title_of P23_transferred_title_from P22_transferred_title_to P67i_is_referred_to_by "
    "P138i_has_representation P129i_is_subject_of P10_falls_within P128_carries P94i_was_created_by "
    "P98i_was_born P100i_died_in P16i_was_used_for P46_is_composed_of P106_is_composed_of P3_has_note "
    "P46i_forms_part_of P106i_forms_part_of P104_is_subject_to E30_Right P130_shows_features_of").split()}
LAX = {k: I(LA + k) for k in ("digitally_shown_by", "digitally_carried_by", "access_point", "equivalent",
                              "member_of", "DigitalService", "digitally_available_via", "Set")}
BROADER = I(SKOS + "broader")
DIGITAL_OBJECT = I(DIG + "D1_Digital_Object")
FORMAT = I(DC + "format")
CONFORMS = I(DCTERMS + "conformsTo")

# Linked Art's own vocabulary (AAT ids from the Linked Art model docs)
# statement kinds AAT has no term for: our own type, labelled by us (it is our IRI), never a Note
OWN_STATEMENT_TYPES = {"scale": (AG + "ScaleStatement", "Échelle (énoncé)")}
AATS = {
    "artwork": "300133025", "type_of_work": "300435443", "brief_text": "300418049", "primary_name": "300404670",
    "alternate_name": "300264273", "subtitle": "300264273", "display_name": "300404669",
    "accession": "300312355", "system": "300435704", "call": "300311706", "isbn": "300417443",
    "issn": "300417430", "local": "300404621", "description": "300435416", "note": "300027200",
    "inscription": "300435414", "dimensions": "300435430", "materials": "300435429", "credit": "300026687",
    "rights": "300435434", "provenance": "300435438", "production": "300435436", "digital_image": "300215302",
    "web_page": "300264578", "museum": "300312281", "french": "300388306", "style": "300015646",
    "pagination": "300435440", "publishing": "300054686", "occupation": "300263369", "provenance_activity": "300055863",
    "collection_item": "300404024", "period": "300081446",
}
STATEMENT_AAT = {"description": "description", "commentary": "note", "inscription": "inscription",
                 "location": "note", "dimensions": "dimensions", "note": "note", "image_caption": "note",
                 "extent": "dimensions", "pagination": "pagination", "rights": "rights",
                 "credit": "credit", "provenance": "provenance", "credit_line": "credit", "materials": "materials"}
LICENSE_LABELS = {"https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
                  "https://creativecommons.org/publicdomain/mark/1.0/": "Public Domain Mark 1.0",
                  "http://rightsstatements.org/vocab/InC/1.0/": "In Copyright",
                  "http://rightsstatements.org/vocab/NoC-NC/1.0/": "No Copyright - Non-Commercial Use Only"}
IDENT_KIND = {"ark": "system", "accession": "accession", "system": "system", "uuid": "system", "call": "call",
              "isbn": "isbn", "issn": "issn", "other": "local"}


def aat(key: str) -> str:
    return AAT + AATS[key]


def _type(s: str, iri: str, label: str | None, out: list[Triple], meta: str | None = None,
          klass: str = "E55_Type") -> None:
    out.append((s, C["P2_has_type"] if klass == "E55_Type" else C["P45_consists_of"], f"<{iri}>"))
    out.extend(_type_triples(iri, label, meta, klass))


@lru_cache(maxsize=65536)
def _type_triples(iri: str, label: str | None, meta: str | None, klass: str) -> tuple[Triple, ...]:
    """A concept's own triples: the same for every record that uses it, so built once."""
    out: list[Triple] = []
    t = I(iri)
    out.append((t, A, C[klass]))
    if label:
        out.append((t, LABEL, L(label)))
    if meta:
        out.append((t, C["P2_has_type"], I(aat(meta))))
        out.extend(_authority_triples(aat(meta), "E55_Type"))
    return tuple(out)


@lru_cache(maxsize=4096)
def _authority_triples(iri: str, klass: str) -> tuple[Triple, ...]:
    """An authority's term (AAT, relator, LoC language…): its class and its authority's own label, the
    same in every record (authorities.label), or no label at all. Never the source's wording."""
    t = I(iri)
    label = authorities.label(iri)
    return ((t, A, C[klass]), (t, LABEL, L(label))) if label else ((t, A, C[klass]),)


def _concept(s: str, c: Concept, out: list[Triple], meta: str | None = None, klass: str = "E55_Type",
             pred: str | None = None) -> str:
    """``s`` has (``pred``, default P2_has_type) our local concept ``c``, described once per run."""
    # the readers hand out one Concept object per term: found by identity, sparing the dataclass hash
    key = (id(c), meta, klass)
    hit = _BY_CONCEPT.get(key)
    if hit is None or hit[0] is not c:
        if len(_BY_CONCEPT) >= 16384:
            _BY_CONCEPT.clear()
        hit = _BY_CONCEPT[key] = (c, I(c.iri), _concept_triples(c, meta, klass))
    out.append((s, pred or (C["P2_has_type"] if klass == "E55_Type" else C["P45_consists_of"]), hit[1]))
    out.extend(hit[2])
    return hit[1]


_BY_CONCEPT: dict[tuple[int, str | None, str], tuple[Concept, str, tuple[Triple, ...]]] = {}


@lru_cache(maxsize=65536)
def _concept_triples(c: Concept, meta: str | None, klass: str) -> tuple[Triple, ...]:
    """A local concept: the source's label, and its link to the authority's term (Linked Art's
    ``equivalent`` for the same concept; ``skos:broader`` where the authority's term is broader)."""
    out = list(_type_triples(c.iri, c.label, meta, klass))
    if c.authority:
        out.append((I(c.iri), LAX["equivalent"] if c.match == "exact" else BROADER, I(c.authority)))
        out.extend(_authority_triples(c.authority, klass))
    return tuple(out)


def _aat_type(s: str, key: str, out: list[Triple], meta: str | None = None) -> None:
    t, block = _aat_block(key, meta)
    out.append((s, C["P2_has_type"], t))
    out.extend(block)


@lru_cache(maxsize=None)  # keys are the fixed AATS entries
def _aat_block(key: str, meta: str | None) -> tuple[str, tuple[Triple, ...]]:
    """A Linked Art structural type (name, statement, identifier types…): Getty's label or none."""
    return I(aat(key)), _type_triples(aat(key), authorities.label(aat(key)), meta, "E55_Type")


def _name(s: str, node: str, text: str, out: list[Triple], kind: str = "primary_name", lang: str | None = "fr",
          languages: tuple[Concept, ...] = ()) -> None:
    n = I(node)
    out += [(s, C["P1_is_identified_by"], n), (n, A, C["E33_E41_Linguistic_Appellation"]),
            (n, C["P190_has_symbolic_content"], L(text))]  # plain: LA puts the language in P72
    _aat_type(n, kind, out)
    if lang:
        iri, label = _language(lang, languages)
        out.append((n, C["P72_has_language"], I(iri)))
        out.extend(_type_triples(iri, label, None, "E56_Language"))


def _language(code: str, languages: tuple[Concept, ...]) -> tuple[str, str | None]:
    """The one IRI of a language in a run (authorities.language: AAT, else LoC ISO 639), and its
    authority's label: the record's language concept for that code gives it when there is one."""
    for c in languages:
        if c.code == code:
            return _shared(c, language_term)
    return _code_language(code)


@lru_cache(maxsize=1024)
def _code_language(code: str) -> tuple[str, str | None]:
    iri = authorities.language(code)
    return iri, authorities.label(iri)


def language_term(c: Concept) -> tuple[str, str | None]:
    """A record's language: Linked Art uses languages as structural terms (the language of every name and
    statement), so a language is its authority's IRI, one per run; only an unknown one is our own concept."""
    if c.authority:
        return c.authority, authorities.label(c.authority)
    return c.iri, c.label


def _timespan(s: str, node: str, ts: TimeSpan, out: list[Triple]) -> None:
    t = I(node)
    out += [(s, C["P4_has_time-span"], t), (t, A, C["E52_Time-Span"])]
    # BCE bounds are valid xsd:dateTime but not RFC 3339, which Linked Art requires: the label keeps them
    if ts.begin and not ts.begin.startswith("-"):
        out.append((t, C["P82a_begin_of_the_begin"], dt(ts.begin)))
    if ts.end and not ts.end.startswith("-"):
        out.append((t, C["P82b_end_of_the_end"], dt(ts.end)))
    label = ts.label or _span_label(ts)
    if label:
        _name(t, node + "/name", label, out, "display_name", lang=None)


def _span_label(ts: TimeSpan) -> str:
    """A display name for a span the source gave no words for: its years, both bounds ("1368-1644"),
    never the start alone."""
    years = [b[:b.index("-", 1)].lstrip("0") or "0" for b in (ts.begin, ts.end) if b]
    text = "-".join(dict.fromkeys(years))
    return f"{ts.qualifier} {text}" if ts.qualifier and text else text


def _ref(iri: str, klass: str, label: str, out: list[Triple]) -> str:
    s = I(iri)
    out += [(s, A, C[klass]), (s, LABEL, L(label))]
    return s


# Agents, places and time-spans recur across records as the same objects (the mappers' caches): what is
# built from them (triples, literals) is found by identity first (the object is kept with it, so its id
# is not reused), sparing the dataclass hash and comparison of an lru_cache lookup. Bounded: dropped when full.
_BY_ID: dict[int, tuple[Any, Any]] = {}
_T = TypeVar("_T")


def _shared(obj: Any, build: Callable[[Any], _T]) -> _T:
    hit = _BY_ID.get(id(obj))
    if hit is None or hit[0] is not obj:
        if len(_BY_ID) >= 16384:
            _BY_ID.clear()
        hit = _BY_ID[id(obj)] = (obj, build(obj))
    return hit[1]


def _place(p: Place, out: list[Triple]) -> str:
    out.extend(_shared(p, _place_triples))
    return I(p.iri)


@lru_cache(maxsize=16384)
def _place_triples(p: Place) -> tuple[Triple, ...]:
    """Built once per distinct place: shared by every record that mentions it."""
    out: list[Triple] = []
    s = _ref(p.iri, "E53_Place", p.label, out)
    _name(s, p.iri + "/la/name", p.label, out, lang=None)
    return tuple(out)


def _agent(a: Agent, out: list[Triple]) -> str:
    # agents scoped to one work ("Inconnu") never recur: kept out of the cache
    out.extend(_agent_triples.__wrapped__(a) if "unknown" in a.flags else _shared(a, _agent_triples))
    return f"<{a.iri}>"


@lru_cache(maxsize=16384)
def _agent_triples(a: Agent) -> tuple[Triple, ...]:
    """Built once per distinct agent: shared by every record that mentions it."""
    out: list[Triple] = []
    s = _ref(a.iri, "E21_Person" if a.kind == "Person" else "E74_Group", a.name, out)
    _name(s, a.iri + "/la/name", a.name, out, lang=None)
    for n, alt in enumerate(a.alternate_names, 2):
        _name(s, f"{a.iri}/la/name{n}", alt, out, "alternate_name", lang=None)
    if a.kind == "Person":
        for ts, pred, klass, key, place in ((a.birth, "P98i_was_born", "E67_Birth", "birth", a.birth_place),
                                            (a.death, "P100i_died_in", "E69_Death", "death", a.death_place)):
            if ts or place:
                ev = I(f"{a.iri}/la/{key}")
                out += [(s, C[pred], ev), (ev, A, C[klass])]
                if ts:
                    _timespan(ev, f"{a.iri}/la/{key}/timespan", ts, out)
                if place:
                    out.append((ev, C["P7_took_place_at"], _place(place, out)))
    return tuple(out)


def _statement(s: str, node: str, kind: str, text: str, lang: str | None, out: list[Triple],
               label: str | None = None) -> None:
    n = I(node)
    out += [(s, C["P67i_is_referred_to_by"], n), (n, A, C["E33_Linguistic_Object"]),
            (n, C["P190_has_symbolic_content"], L(text))]
    if label:
        out.append((n, LABEL, L(label)))
    own = OWN_STATEMENT_TYPES.get(kind)
    if own:
        _type(n, own[0], own[1], out, meta="brief_text")
    else:
        _aat_type(n, STATEMENT_AAT.get(kind, "note"), out, meta="brief_text")
    if lang == "fr":
        out.append((n, C["P72_has_language"], I(aat("french"))))


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
        _aat_type(do, "digital_image", out)
        if d.license:
            # embedded digital objects take no subject_to in the Linked Art API: the licence classifies the file
            _type(do, d.license, LICENSE_LABELS.get(d.license), out)
        if d.credit:
            _statement(vi, f"{base}/representation{d.iri.rsplit('/image', 1)[-1]}/credit", "credit", d.credit, None, out)
    elif d.kind in ("webpage", "manifest", "thumbnail"):
        lo = I(f"{d.iri}/la/text")
        out += [(w, C["P129i_is_subject_of"], lo), (lo, A, C["E33_Linguistic_Object"]),
                (lo, LAX["digitally_carried_by"], do)]
        if d.kind == "webpage":
            _aat_type(do, "web_page", out)


def triples(rec: Record) -> list[Triple]:
    out: list[Triple] = []
    w = I(rec.iri)
    base = rec.iri + "/la"
    label = rec.title
    out += [(w, A, C["E22_Human-Made_Object"]), (w, LABEL, L(label))]
    if rec.kind == "object":
        _aat_type(w, "artwork", out)
    for c in rec.classifications + rec.genres:
        _concept(w, c, out, meta="type_of_work")
    for n, (text, lang, kind) in enumerate(rec.titles, 1):
        _name(w, f"{base}/name{n}", text, out, "primary_name" if kind == "primary" else "alternate_name", lang,
              tuple(rec.languages))
    for n, ident in enumerate(rec.identifiers, 1):
        if ident.kind == "url":  # another web page about the object (equivalent is for same-class resources)
            _digital(w, base, DigitalObject(f"{rec.iri}/page{n}", "webpage", ident.value, "text/html", label=ident.label), out)
            continue
        node = I(f"{base}/identifier{n}")
        out += [(w, C["P1_is_identified_by"], node), (node, A, C["E42_Identifier"]),
                (node, C["P190_has_symbolic_content"], L(ident.value))]
        _aat_type(node, IDENT_KIND.get(ident.kind, "local"), out)
        if ident.label:
            out.append((node, LABEL, L(ident.label)))

    # production (or creation of the carried text, for documents)
    if rec.kind != "document" and (rec.contributions or rec.production_time or rec.production_places
                                   or rec.materials or rec.periods):  # documents: linkedart_documents
        prod = I(f"{base}/production")
        out += [(w, C["P108i_was_produced_by"], prod), (prod, A, C["E12_Production"])]
        if rec.production_time:
            _timespan(prod, f"{base}/production/timespan", rec.production_time, out)
        for p in rec.production_places:
            out.append((prod, C["P7_took_place_at"], _place(p, out)))
        for c in rec.materials:
            if (c.code or "") == "technique" or _is_technique(c):
                out.append((prod, C["P32_used_general_technique"], _concept(prod, c, out)))
        for c in rec.periods:
            _concept(prod, c, out, klass="E4_Period", pred=C["P10_falls_within"])
        for n, contrib in enumerate(rec.contributions, 1):
            part = I(f"{base}/production/part{n}")
            out += [(prod, C["P9_consists_of"], part), (part, A, C["E12_Production"])]
            _concept(part, contrib.role, out)
            if "unknown" in contrib.agent.flags:
                out.append((part, LABEL, L(f"{contrib.role.label} : {contrib.agent.name}")))
            out.append((part, C["P14_carried_out_by"], _agent(contrib.agent, out)))
    for c in rec.materials:
        if not _is_technique(c):
            _concept(w, c, out, klass="E57_Material")
    if rec.materials:
        _statement(w, f"{base}/materials", "materials", ", ".join(c.label for c in rec.materials), "fr", out)

    for n, d in enumerate(rec.dimensions, 1):
        node = I(f"{base}/dimension{n}")
        out += [(w, C["P43_has_dimension"], node), (node, A, C["E54_Dimension"]),
                (node, C["P90_has_value"], dbl(d.value))]
        _concept(node, d.kind, out)
        _concept(node, d.unit, out, klass="E58_Measurement_Unit", pred=C["P91_has_unit"])
        if d.part:
            _name(node, f"{base}/dimension{n}/name", f"{d.part} : {d.kind.label}", out, "display_name", lang="fr")

    for n, st in enumerate(rec.statements, 1):
        _statement(w, f"{base}/statement{n}", st.kind, st.text, st.lang, out, st.label)

    # what the object shows: a VisualItem of its own
    if rec.kind != "document" and (rec.subjects or rec.depicted_places or rec.depicted_agents or rec.styles):
        vi = I(rec.iri + "/visual")
        out += [(w, C["P65_shows_visual_item"], vi), (vi, A, C["E36_Visual_Item"]),
                (vi, LABEL, L(f"Contenu visuel de « {label} »"))]
        for c in rec.subjects:
            _concept(vi, c, out, pred=C["P129_is_about"])
        for p in rec.depicted_places:
            out.append((vi, C["P138_represents"], _place(p, out)))
        for a in rec.depicted_agents:
            out.append((vi, C["P138_represents"], _agent(a, out)))
        for c in rec.styles:
            _concept(vi, c, out, meta="style")

    if rec.keeper:
        out.append((w, C["P50_has_current_keeper"], _agent(rec.keeper, out)))
    if rec.owner:
        out.append((w, C["P52_has_current_owner"], _agent(rec.owner, out)))
    if rec.acquisition:
        acq = rec.acquisition
        node = I(f"{base}/acquisition")
        out += [(w, C["P24i_changed_ownership_through"], node), (node, A, C["E8_Acquisition"]),
                (node, LABEL, L(acq.mode.label)), (node, C["P24_transferred_title_of"], w)]
        _concept(node, acq.mode, out)
        for donor in acq.donors:
            out.append((node, C["P23_transferred_title_from"], _agent(donor, out)))
        if rec.owner:
            out.append((node, C["P22_transferred_title_to"], I(rec.owner.iri)))
        if acq.timespan:
            _timespan(node, f"{base}/acquisition/timespan", acq.timespan, out)
    if rec.kind != "document":  # documents: linkedart_documents
        for link in rec.links:
            if link.kind == "collection" and link.iri:  # "Chine (Domaine)": the department's collection
                st = I(link.iri)
                out += [(w, LAX["member_of"], st), (st, A, LAX["Set"])]
                if link.label:
                    out.append((st, LABEL, L(link.label)))
    for c in rec.languages:
        out.extend(_type_triples(*_shared(c, language_term), None, "E56_Language"))
    for r in rec.rights:
        _statement(w, f"{base}/rights", "rights", r.label, None, out)
    for dobj in rec.digital:
        _digital(w, base, dobj, out)
    if rec.kind == "document":
        _documents.document(rec, out)
    return out


def _is_technique(c: Concept) -> bool:
    return c.code == "technique"


from . import linkedart_documents as _documents  # noqa: E402  (document emission; imports this module)
