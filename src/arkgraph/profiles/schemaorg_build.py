"""The Schema.org builders: the nodes both Schema.org emitters write (schemaorg for every record,
schemaorg_documents for what only library documents have), each written once here.

A builder appends its triples to ``out`` and returns the node's term. Terms, agents and places recur
across records as the same (frozen) objects: what is built from them is built once.
"""

from __future__ import annotations

from functools import lru_cache

from . import identity_cache
from ..model import Agent, Concept, Place
from ..terms import A, SCHEMA, SKOS, XSD, I, L, T, Triple

S = {k: I(SCHEMA + k) for k in (
    "name alternateName alternativeHeadline identifier PropertyValue propertyID value url sameAs creator contributor Role "
    "roleName Person Organization familyName givenName birthDate deathDate birthPlace deathPlace Place dateCreated "
    "temporalCoverage locationCreated artMedium material height width depth size QuantitativeValue unitCode unitText "
    "description text about contentLocation genre image ImageObject contentUrl thumbnailUrl license creditText "
    "copyrightNotice acquireLicensePage encodingFormat provider copyrightHolder sourceOrganization mainEntityOfPage "
    "isPartOf hasPart inLanguage publisher datePublished locationCreated keywords DefinedTerm inDefinedTermSet "
    "termCode additionalType isBasedOn position associatedMedia subjectOf WebPage disambiguatingDescription "
    "CreativeWork mentions spatialCoverage materialExtent numberOfPages thumbnail comment owner").split()}
BROAD_MATCH = I(SKOS + "broadMatch")


def date_literal(value: str) -> str:
    """An xsd:gYear, gYearMonth or date literal, by the value's precision."""
    n = value.lstrip("-").count("-")
    return T(value, XSD + ("gYear" if n == 0 else "gYearMonth" if n == 1 else "date"))


def term(subject: str, pred: str, c: Concept, out: list[Triple], *, as_text: bool = False) -> None:
    """A concept as a DefinedTerm node (or plain text where schema.org wants Text)."""
    if as_text:
        out.append((subject, pred, L(c.label, c.lang)))
        return
    s, block = _shared(c, _term_block)  # one Concept object per term (the readers' caches)
    out.append((subject, pred, s))
    out.extend(block)


_shared = identity_cache()


@lru_cache(maxsize=16384)
def _term_block(c: Concept) -> tuple[str, tuple[Triple, ...]]:
    """Our local term with the source's label, linked to the authority's term: ``sameAs`` when it is the
    same concept, SKOS ``broadMatch`` when the authority's is broader. Nothing is said of the authority's
    IRI itself (its label is the authority's to give)."""
    s = I(c.iri)
    block: tuple[Triple, ...] = ((s, A, S["DefinedTerm"]), (s, S["name"], L(c.label, c.lang)))
    if c.authority:
        block += ((s, S["sameAs"] if c.match == "exact" else BROAD_MATCH, I(c.authority)),)
    return s, block


def place(p: Place, out: list[Triple]) -> str:
    """The place's triples, once per run; returns its term."""
    out.extend(_place_triples(p))
    return I(p.iri)


@lru_cache(maxsize=16384)
def _place_triples(p: Place) -> tuple[Triple, ...]:
    """Built once per distinct place: shared by every record that mentions it."""
    out: list[Triple] = []
    s = I(p.iri)
    out.append((s, A, S["Place"]))
    out.append((s, S["name"], L(p.label)))
    return tuple(out)


def agent(a: Agent, out: list[Triple]) -> str:
    """The agent's triples (names, life dates and places), once per run; returns its term."""
    # agents scoped to one work ("Inconnu") never recur: kept out of the cache
    out.extend(_agent_triples.__wrapped__(a) if "unknown" in a.flags else _agent_triples(a))
    return f"<{a.iri}>"


@lru_cache(maxsize=16384)
def _agent_triples(a: Agent) -> tuple[Triple, ...]:
    """Built once per distinct agent: shared by every record that mentions it."""
    out: list[Triple] = []
    s = I(a.iri)
    out.append((s, A, S["Person"] if a.kind == "Person" else S["Organization"]))
    out.append((s, S["name"], L(a.name)))
    if a.family_name:
        out.append((s, S["familyName"], L(a.family_name)))
    if a.given_name:
        out.append((s, S["givenName"], L(a.given_name)))
    for alt in a.alternate_names:
        out.append((s, S["alternateName"], L(alt)))
    if a.qualifier:
        out.append((s, S["disambiguatingDescription"], L(a.qualifier, "fr")))
    if a.kind == "Person":
        for ts, prop in ((a.birth, "birthDate"), (a.death, "deathDate")):
            if ts and ts.schema_date:
                out.append((s, S[prop], date_literal(ts.schema_date)))
        for pl, prop in ((a.birth_place, "birthPlace"), (a.death_place, "deathPlace")):
            if pl:
                out.append((s, S[prop], place(pl, out)))
    return tuple(out)
