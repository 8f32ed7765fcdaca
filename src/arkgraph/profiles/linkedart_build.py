"""The Linked Art builders: the nodes both Linked Art emitters write (linkedart for every record,
linkedart_documents for a library document's content), each written once here.

A builder appends its triples to ``out``. What recurs across records (a concept, an agent, a place, a
time-span, a type block) is built once and reused: by identity for the value objects the readers share
(model.py: they are frozen, so what was built from one stays true), else by ``lru_cache``.
"""

from __future__ import annotations

from functools import lru_cache

from .. import authorities
from ..model import Agent, Concept, Place, TimeSpan
from . import identity_cache
from ..terms import AAT, AG, CRM, DC, DCTERMS, DIG, LA, SKOS, A, I, L, LABEL, Triple, dt

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

_P1, _P2, _P190, _P72 = C["P1_is_identified_by"], C["P2_has_type"], C["P190_has_symbolic_content"], C["P72_has_language"]
_APPELLATION, _LINGUISTIC, _P67I = C["E33_E41_Linguistic_Appellation"], C["E33_Linguistic_Object"], C["P67i_is_referred_to_by"]
_P4, _TIME_SPAN = C["P4_has_time-span"], C["E52_Time-Span"]
_P82A, _P82B = C["P82a_begin_of_the_begin"], C["P82b_end_of_the_end"]


def aat(key: str) -> str:
    return AAT + AATS[key]


# --- types and concepts

def type_ref(s: str, iri: str, label: str | None, out: list[Triple], meta: str | None = None,
             klass: str = "E55_Type") -> None:
    """``s`` has the type (or, for a material, consists of) ``iri``, described with ``label``."""
    out.append((s, _P2 if klass == "E55_Type" else C["P45_consists_of"], f"<{iri}>"))
    out.extend(type_triples(iri, label, meta, klass))


@lru_cache(maxsize=65536)
def type_triples(iri: str, label: str | None, meta: str | None, klass: str) -> tuple[Triple, ...]:
    """A concept's own triples: the same for every record that uses it, so built once."""
    out: list[Triple] = []
    t = I(iri)
    out.append((t, A, C[klass]))
    if label:
        out.append((t, LABEL, L(label)))
    if meta:
        out.append((t, _P2, I(aat(meta))))
        out.extend(authority_triples(aat(meta), "E55_Type"))
    return tuple(out)


@lru_cache(maxsize=4096)
def authority_triples(iri: str, klass: str) -> tuple[Triple, ...]:
    """An authority's term (AAT, relator, LoC language…): its class and its authority's own label, the
    same in every record (authorities.label), or no label at all. Never the source's wording."""
    t = I(iri)
    label = authorities.label(iri)
    return ((t, A, C[klass]), (t, LABEL, L(label))) if label else ((t, A, C[klass]),)


def concept(s: str, c: Concept, out: list[Triple], meta: str | None = None, klass: str = "E55_Type",
            pred: str | None = None) -> str:
    """``s`` has (``pred``, default P2_has_type) our local concept ``c``, described once per run."""
    # the readers hand out one Concept object per term: found by identity, sparing the dataclass hash
    key = (id(c), meta, klass)
    hit = _BY_CONCEPT.get(key)
    if hit is None or hit[0] is not c:
        if len(_BY_CONCEPT) >= 16384:
            _BY_CONCEPT.clear()
        hit = _BY_CONCEPT[key] = (c, I(c.iri), _concept_triples(c, meta, klass))
    out.append((s, pred or (_P2 if klass == "E55_Type" else C["P45_consists_of"]), hit[1]))
    out.extend(hit[2])
    return hit[1]


_BY_CONCEPT: dict[tuple[int, str | None, str], tuple[Concept, str, tuple[Triple, ...]]] = {}


@lru_cache(maxsize=65536)
def _concept_triples(c: Concept, meta: str | None, klass: str) -> tuple[Triple, ...]:
    """A local concept: the source's label, and its link to the authority's term (Linked Art's
    ``equivalent`` for the same concept; ``skos:broader`` where the authority's term is broader)."""
    out = list(type_triples(c.iri, c.label, meta, klass))
    if c.authority:
        out.append((I(c.iri), LAX["equivalent"] if c.match == "exact" else BROADER, I(c.authority)))
        out.extend(authority_triples(c.authority, klass))
    return tuple(out)


def aat_type(s: str, key: str, out: list[Triple], meta: str | None = None) -> None:
    """``s`` has the Linked Art structural type ``key`` (an AATS entry)."""
    t, block = aat_block(key, meta)
    out.append((s, _P2, t))
    out.extend(block)


@lru_cache(maxsize=None)  # keys are the fixed AATS entries
def aat_block(key: str, meta: str | None) -> tuple[str, tuple[Triple, ...]]:
    """A Linked Art structural type (name, statement, identifier types…): Getty's label or none."""
    return I(aat(key)), type_triples(aat(key), authorities.label(aat(key)), meta, "E55_Type")


# --- languages

def language(code: str, languages: tuple[Concept, ...] = ()) -> tuple[str, str | None]:
    """The one IRI of a language in a run (authorities.language: AAT, else LoC ISO 639), and its
    authority's label: the record's language concept for that code gives it when there is one."""
    for c in languages:
        if c.code == code:
            return shared(c, language_term)
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


def language_block(code: str, languages: tuple[Concept, ...]) -> tuple[str, tuple[Triple, ...]]:
    """A language's term and its triples (type and authority label)."""
    if languages:
        iri, label = language(code, languages)
        return I(iri), type_triples(iri, label, None, "E56_Language")
    return _codelanguage_block(code)


@lru_cache(maxsize=1024)
def _codelanguage_block(code: str) -> tuple[str, tuple[Triple, ...]]:
    iri, label = _code_language(code)
    return I(iri), type_triples(iri, label, None, "E56_Language")


# --- names, statements, time-spans (structural nodes under the record)

def name(s: str, node: str, literal: str, out: list[Triple], kind: str = "primary_name", lang: str | None = "fr",
         languages: tuple[Concept, ...] = ()) -> None:
    """``s`` is identified by the name ``node`` whose content is ``literal`` (a plain literal: Linked Art
    puts the language in P72, from ``languages``, the record's, where one has the code ``lang``)."""
    n = f"<{node}>"
    t, block = aat_block(kind, None)
    out += [(s, _P1, n), (n, A, _APPELLATION), (n, _P190, literal), (n, _P2, t)]
    out += block
    if lang:
        lang_term, lang_block = language_block(lang, languages)
        out.append((n, _P72, lang_term))
        out += lang_block


def statement(s: str, node: str, kind: str, text: str, lang: str | None, out: list[Triple],
              label: str | None = None) -> None:
    """``s`` is referred to by the statement ``node`` of ``kind`` (a Statement.kind) saying ``text``."""
    n = f"<{node}>"
    out += [(s, _P67I, n), (n, A, _LINGUISTIC), (n, _P190, L(text))]
    if label:
        out.append((n, LABEL, L(label)))
    t, block = _statement_type(kind)
    out.append((n, _P2, t))
    out += block
    if lang == "fr":
        out.append((n, _P72, _FRENCH))


@lru_cache(maxsize=None)  # keys are Statement kinds, a closed set
def _statement_type(kind: str) -> tuple[str, tuple[Triple, ...]]:
    own = OWN_STATEMENT_TYPES.get(kind)
    if own:
        return I(own[0]), type_triples(own[0], own[1], "brief_text", "E55_Type")
    return aat_block(STATEMENT_AAT.get(kind, "note"), "brief_text")


_FRENCH = I(aat("french"))


def timespan(s: str, node: str, ts: TimeSpan, out: list[Triple]) -> None:
    """``s`` has the time-span ``node``: its bounds and a display name (the source's words, else its years)."""
    t = f"<{node}>"
    bounds, label = shared(ts, _timespan_literals)
    out += [(s, _P4, t), (t, A, _TIME_SPAN)]
    for p, o in bounds:
        out.append((t, p, o))
    if label is not None:
        name(t, node + "/name", label, out, "display_name", lang=None)


def _timespan_literals(ts: TimeSpan) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """A time-span's bounds as (predicate, literal) pairs and its display name literal: the same for every
    record that shares the TimeSpan."""
    bounds = []
    # BCE bounds are valid xsd:dateTime but not RFC 3339, which Linked Art requires: the label keeps them
    if ts.begin and not ts.begin.startswith("-"):
        bounds.append((_P82A, dt(ts.begin)))
    if ts.end and not ts.end.startswith("-"):
        bounds.append((_P82B, dt(ts.end)))
    label = ts.label or _span_label(ts)
    return tuple(bounds), (L(label) if label else None)


def _span_label(ts: TimeSpan) -> str:
    """A display name for a span the source gave no words for: its years, both bounds ("1368-1644"),
    never the start alone."""
    years = [b[:b.index("-", 1)].lstrip("0") or "0" for b in (ts.begin, ts.end) if b]
    text = "-".join(dict.fromkeys(years))
    return f"{ts.qualifier} {text}" if ts.qualifier and text else text


# --- agents and places: resources of their own, shared by every record that mentions them

shared = identity_cache()  # agents, places, time-spans and language concepts: each built once per run


def _ref(iri: str, klass: str, label: str, out: list[Triple]) -> str:
    s = I(iri)
    out += [(s, A, C[klass]), (s, LABEL, L(label))]
    return s


def place(p: Place, out: list[Triple]) -> str:
    """The place's triples, once per run; returns its term."""
    out.extend(shared(p, _place_triples))
    return I(p.iri)


@lru_cache(maxsize=16384)
def _place_triples(p: Place) -> tuple[Triple, ...]:
    """Built once per distinct place: shared by every record that mentions it."""
    out: list[Triple] = []
    s = _ref(p.iri, "E53_Place", p.label, out)
    name(s, p.iri + "/la/name", L(p.label), out, lang=None)
    return tuple(out)


def agent(a: Agent, out: list[Triple]) -> str:
    """The agent's triples (names, birth and death), once per run; returns its term."""
    # agents scoped to one work ("Inconnu") never recur: kept out of the cache
    out.extend(_agent_triples.__wrapped__(a) if "unknown" in a.flags else shared(a, _agent_triples))
    return f"<{a.iri}>"


@lru_cache(maxsize=16384)
def _agent_triples(a: Agent) -> tuple[Triple, ...]:
    """Built once per distinct agent: shared by every record that mentions it."""
    out: list[Triple] = []
    s = _ref(a.iri, "E21_Person" if a.kind == "Person" else "E74_Group", a.name, out)
    name(s, a.iri + "/la/name", L(a.name), out, lang=None)
    for n, alt in enumerate(a.alternate_names, 2):
        name(s, f"{a.iri}/la/name{n}", L(alt), out, "alternate_name", lang=None)
    if a.kind == "Person":
        for ts, pred, klass, key, where in ((a.birth, "P98i_was_born", "E67_Birth", "birth", a.birth_place),
                                            (a.death, "P100i_died_in", "E69_Death", "death", a.death_place)):
            if ts or where:
                ev = I(f"{a.iri}/la/{key}")
                out += [(s, C[pred], ev), (ev, A, C[klass])]
                if ts:
                    timespan(ev, f"{a.iri}/la/{key}/timespan", ts, out)
                if where:
                    out.append((ev, C["P7_took_place_at"], place(where, out)))
    return tuple(out)
